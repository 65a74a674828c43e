/**
 * The one error type of the service. Services throw it with a status the apps understand
 * and a short reason; the error middleware (src/http/errors.ts) turns it into the answer.
 * It lives below both layers so that services never import the HTTP edge.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    /** Sent as `Retry-After` (seconds): every 429 and the busy 503 carry one. */
    readonly retryAfterSeconds?: number,
  ) {
    super(reason);
    this.name = 'AppError';
  }

  static badRequest(reason: string): AppError {
    return new AppError(400, reason);
  }
  static unauthorized(reason = 'login required'): AppError {
    return new AppError(401, reason);
  }
  static notFound(reason = 'not found'): AppError {
    return new AppError(404, reason);
  }
  static notAcceptable(reason: string): AppError {
    return new AppError(406, reason);
  }
  /** `retryAfterSeconds`: when the client may try again (a whole window if unknown). */
  static tooManyRequests(reason = 'too many requests, try again later', retryAfterSeconds = 60): AppError {
    return new AppError(429, reason, Math.max(1, Math.ceil(retryAfterSeconds)));
  }
  static unsupportedMediaType(reason: string): AppError {
    return new AppError(415, reason);
  }
  static unavailable(reason = 'service temporarily unavailable', retryAfterSeconds?: number): AppError {
    return new AppError(503, reason, retryAfterSeconds);
  }
}
