/**
 * The error middleware: an AppError (src/errors.ts) becomes its status and short plain-text
 * reason; database unavailability a 503; anything else a bare 500.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { ErrorRequestHandler } from 'express';
import { AppError, type LimitPolicy } from '../errors';
import { rateLimitHeaders } from './rateLimitHeaders';

export { AppError };

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

/**
 * Also looks inside: a write cut by the outage comes as a MongoBulkWriteError (insertMany)
 * whose `errorResponse` is the pool or network error, or an error whose `cause` is.
 */
function isDatabaseDown(err: unknown, depth = 0): boolean {
  if (typeof err !== 'object' || err === null || depth > 3) return false;
  const { name, cause, errorResponse } = err as { name?: unknown; cause?: unknown; errorResponse?: unknown };
  if (typeof name === 'string' && DATABASE_DOWN.test(name)) return true;
  if (isTransientServerError(err)) return true;
  return isDatabaseDown(cause, depth + 1) || isDatabaseDown(errorResponse, depth + 1);
}

/**
 * The server answered, but with a transient failure: InternalError (code 1), as the
 * embedded database answers a write cut by its shutdown ("context canceled") or a busy
 * lock ("database is locked"), or an error the driver labels retryable.
 */
function isTransientServerError(err: object): boolean {
  const { code, codeName, hasErrorLabel } = err as {
    code?: unknown;
    codeName?: unknown;
    hasErrorLabel?: (label: string) => boolean;
  };
  if (codeName === 'InternalError' || (code === 1 && codeName === undefined)) return true;
  if (typeof hasErrorLabel !== 'function') return false;
  return (
    hasErrorLabel.call(err, 'RetryableWriteError') || hasErrorLabel.call(err, 'TransientTransactionError')
  );
}

/** The 413 of a body parser names the route's limit, so that a client knows what fits. */
function tooLargeReason(err: unknown): string {
  const limit = (err as { limit?: unknown }).limit;
  return typeof limit === 'number'
    ? `request body too large (at most ${limit} bytes here)`
    : 'request body too large';
}

export interface HttpError {
  status: number;
  reason: string;
  unexpected: boolean;
  retryAfterSeconds?: number;
  limits?: readonly LimitPolicy[];
}

export function toHttpError(err: unknown): HttpError {
  if (err instanceof AppError) {
    const { status, reason, retryAfterSeconds, limits } = err;
    return retryAfterSeconds === undefined
      ? { status, reason, unexpected: false }
      : { status, reason, unexpected: false, retryAfterSeconds, limits };
  }
  if (isDatabaseDown(err)) {
    return { status: 503, reason: 'database unavailable, retry later', unexpected: true };
  }
  const status = statusOf(err);
  if (status !== undefined && status < 500) {
    const type = (err as { type?: unknown }).type;
    const reason = status === 413 ? tooLargeReason(err) : typeof type === 'string' ? type : 'bad request';
    return { status, reason, unexpected: false };
  }
  return { status: 500, reason: 'internal error', unexpected: true };
}

export const errorHandler: ErrorRequestHandler = (err, req, res, next) => {
  if (res.headersSent) {
    next(err);
    return;
  }
  const { status, reason, unexpected, retryAfterSeconds, limits } = toHttpError(err);
  if (retryAfterSeconds !== undefined) {
    const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
    res.setHeader('Retry-After', String(seconds));
    const fields = rateLimitHeaders(limits ?? [], seconds);
    if (fields) res.setHeaders(new Map(Object.entries(fields)));
  }
  if (unexpected) req.log?.error({ err }, 'request failed');
  else req.log?.info({ status, reason }, 'request rejected');
  // The unread rest of a refused body makes Node drop the connection: say so, so that
  // keep-alive clients do not send their next request into a closing socket.
  if (status === 413) res.setHeader('Connection', 'close');
  res.status(status).type('text/plain').send(reason);
};

/** How long a refused connection keeps reading (and dropping) what the client still sends. */
const LINGER_MS = 5_000;

function clientErrorAnswer(code: string | undefined): { status: number; reason: string } {
  if (code === 'HPE_HEADER_OVERFLOW') return { status: 431, reason: 'request line or headers too large' };
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return { status: 408, reason: 'request not received in time' };
  return { status: 400, reason: 'malformed request' };
}

/**
 * The 'clientError' listener of every HTTP server of the app (src/server.ts, and the fuzz
 * run's in-process server): Node's parser refused a request (a URL over 16 KB, a bad
 * header line) before Express saw it. Answer with a reason, then close gracefully.
 *
 * Why not Node's default: it writes a close-delimited answer and destroys the socket at
 * once. A client still sending the rest of its oversized request then gets a TCP reset
 * instead of the end of the answer (unread bytes make the kernel reset, not close), and
 * Node 24's client reports that as `read ECONNRESET` where Node 20 took it as the end of
 * the body. Here the answer has a Content-Length, the socket is half-closed with end(),
 * and Node keeps reading and dropping the client's bytes until it closes (at most
 * LINGER_MS), so the client always reads the whole answer.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  // Node calls this again for each later chunk of a refused request: answer once.
  if (err.code === 'ECONNRESET' || !socket.writable) return;
  // A response of an earlier pipelined request is still being written: any bytes now
  // would corrupt it, so drop the connection as Node does.
  if ((socket as Socket & { _httpMessage?: unknown })._httpMessage) {
    socket.destroy();
    return;
  }
  const { status, reason } = clientErrorAnswer(err.code);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(reason)}\r\nConnection: close\r\n\r\n${reason}`,
  );
  const linger = setTimeout(() => socket.destroy(), LINGER_MS);
  linger.unref();
  socket.once('close', () => clearTimeout(linger));
}
