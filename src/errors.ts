/**
 * The one error type of the service. Services throw it with a status the apps understand
 * and a short reason; the error middleware (src/http/errors.ts) turns it into the answer.
 * It lives below both layers so that services never import the HTTP edge.
 */
/** A limit a 429 was over, advertised in the IETF `RateLimit` headers (src/http/rateLimitHeaders.ts). */
export interface LimitPolicy {
  /** Names the limit, e.g. `login:fail:acct` or `quota:messages`. */
  name: string;
  /** How many fit in one window. */
  quota: number;
  windowSeconds: number;
}

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    /** Sent as `Retry-After` (seconds): every 429 and the busy 503 carry one. */
    readonly retryAfterSeconds?: number,
    /** The limits a 429 was over (none when it was a burst of racing requests). */
    readonly limits: readonly LimitPolicy[] = [],
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
  static forbidden(reason: string): AppError {
    return new AppError(403, reason);
  }
  static notFound(reason = 'not found'): AppError {
    return new AppError(404, reason);
  }
  static notAcceptable(reason: string): AppError {
    return new AppError(406, reason);
  }
  /**
   * `retryAfterSeconds`: when the client may try again (a whole window if unknown);
   * `limits`: the limits the request was over.
   */
  static tooManyRequests(
    reason = 'too many requests, try again later',
    retryAfterSeconds = 60,
    limits: readonly LimitPolicy[] = [],
  ): AppError {
    return new AppError(429, reason, Math.max(1, Math.ceil(retryAfterSeconds)), limits);
  }
  static unsupportedMediaType(reason: string): AppError {
    return new AppError(415, reason);
  }
  static unavailable(reason = 'service temporarily unavailable', retryAfterSeconds?: number): AppError {
    return new AppError(503, reason, retryAfterSeconds);
  }
}
