/**
 * The one error type of the service. Services throw it; the error middleware turns it
 * into a status and a short plain-text reason. Anything else becomes a bare 500.
 */
import type { ErrorRequestHandler } from 'express';

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
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
  static tooManyRequests(reason = 'too many requests, try again later'): AppError {
    return new AppError(429, reason);
  }
  static unavailable(reason = 'service temporarily unavailable'): AppError {
    return new AppError(503, reason);
  }
}

/** Errors from body parsers and other middleware carry a status of their own. */
function statusOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const s =
    (err as { status?: unknown; statusCode?: unknown }).status ??
    (err as { statusCode?: unknown }).statusCode;
  return typeof s === 'number' && s >= 400 && s < 600 ? s : undefined;
}

/**
 * Driver and Mongoose errors that mean "the database is unreachable or overloaded": 503,
 * so the apps retry instead of dropping their base URL as they do on a 500.
 */
const DATABASE_DOWN =
  /^Mongo(ose)?(Network|NetworkTimeout|ServerSelection|NotConnected|PoolCleared|TopologyClosed|ServerClosed|WaitQueueTimeout|OperationTimeout)Error$/;

function isDatabaseDown(err: unknown): boolean {
  const name = (err as { name?: unknown } | null)?.name;
  return typeof name === 'string' && DATABASE_DOWN.test(name);
}

export function toHttpError(err: unknown): { status: number; reason: string; unexpected: boolean } {
  if (err instanceof AppError) return { status: err.status, reason: err.reason, unexpected: false };
  if (isDatabaseDown(err)) {
    return { status: 503, reason: 'database unavailable, retry later', unexpected: true };
  }
  const status = statusOf(err);
  if (status !== undefined && status < 500) {
    const type = (err as { type?: unknown }).type;
    const reason =
      status === 413 ? 'request body too large' : typeof type === 'string' ? type : 'bad request';
    return { status, reason, unexpected: false };
  }
  return { status: 500, reason: 'internal error', unexpected: true };
}

export const errorHandler: ErrorRequestHandler = (err, req, res, next) => {
  if (res.headersSent) {
    next(err);
    return;
  }
  const { status, reason, unexpected } = toHttpError(err);
  if (unexpected) req.log?.error({ err }, 'request failed');
  else req.log?.info({ status, reason }, 'request rejected');
  // The unread rest of a refused body makes Node drop the connection: say so, so that
  // keep-alive clients do not send their next request into a closing socket.
  if (status === 413) res.setHeader('Connection', 'close');
  res.status(status).type('text/plain').send(reason);
};
