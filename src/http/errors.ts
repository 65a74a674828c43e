/**
 * The error middleware: an AppError (src/errors.ts) becomes its status and short plain-text
 * reason; a database fault (src/db/faults.ts: the database unreachable, or a failure in its
 * answer) a 503 with Retry-After, logged as a warning; anything else, a bug of ours, a bare
 * 500 logged as an error.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { ErrorRequestHandler } from 'express';
import { databaseFault, type DatabaseFault } from '../db/faults';
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
 * How long a client should wait after a database fault (Retry-After, seconds). A failed
 * answer (a lock, an unreadable reply) clears within moments. An unreachable database is
 * an outage, which lasts seconds at least (33 s in `npm run faults`), and each request
 * during it already waited the driver's 5 s server selection timeout.
 */
export const DATABASE_RETRY_AFTER_SECONDS: Record<DatabaseFault, number> = { answered: 1, unreachable: 5 };

const DATABASE_REASONS: Record<DatabaseFault, string> = {
  answered: 'database error, retry later',
  unreachable: 'database unavailable, retry later',
};

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
  /** How the failure is logged: `info` for a refused request, `warn` for a database fault, `error` for a bug. */
  level: 'info' | 'warn' | 'error';
  retryAfterSeconds?: number;
  limits?: readonly LimitPolicy[];
}

export function toHttpError(err: unknown): HttpError {
  if (err instanceof AppError) {
    const { status, reason, retryAfterSeconds, limits } = err;
    return retryAfterSeconds === undefined
      ? { status, reason, level: 'info' }
      : { status, reason, level: 'info', retryAfterSeconds, limits };
  }
  const fault = databaseFault(err);
  if (fault) {
    const retryAfterSeconds = DATABASE_RETRY_AFTER_SECONDS[fault];
    return { status: 503, reason: DATABASE_REASONS[fault], level: 'warn', retryAfterSeconds };
  }
  const status = statusOf(err);
  if (status !== undefined && status < 500) {
    const type = (err as { type?: unknown }).type;
    const reason = status === 413 ? tooLargeReason(err) : typeof type === 'string' ? type : 'bad request';
    return { status, reason, level: 'info' };
  }
  return { status: 500, reason: 'internal error', level: 'error' };
}

export const errorHandler: ErrorRequestHandler = (err, req, res, next) => {
  if (res.headersSent) {
    next(err);
    return;
  }
  const { status, reason, level, retryAfterSeconds, limits } = toHttpError(err);
  if (retryAfterSeconds !== undefined) {
    const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
    res.setHeader('Retry-After', String(seconds));
    const fields = rateLimitHeaders(limits ?? [], seconds);
    if (fields) res.setHeaders(new Map(Object.entries(fields)));
  }
  // The logger's error serializer (src/logger.ts) keeps names, codes and messages, never
  // the documents a driver error carries.
  if (level === 'error') req.log?.error({ err }, 'request failed');
  else if (level === 'warn') req.log?.warn({ err, status }, 'database fault answered 503');
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
