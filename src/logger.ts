/**
 * The one pino logger. Secrets are redacted by path wherever they might appear, as a
 * second line of defence: the code never logs them on purpose.
 */
import pino, { type Logger } from 'pino';

export const REDACT_PATHS = [
  'password',
  'new_password',
  'verification_code',
  'reg_id',
  '*.password',
  '*.new_password',
  '*.verification_code',
  '*.reg_id',
  'req.headers.cookie',
  'req.headers.authorization',
  'res.headers["set-cookie"]',
];

/**
 * Driver errors carry documents: a bulk write's `writeErrors[].op` and `result` hold whole
 * messages and users, a duplicate key's `keyValue` the email or phone. An error is logged
 * with its name, message, codes and stack, and the counts of what failed, never those.
 */
const DOCUMENT_KEYS = [
  'writeErrors',
  'result',
  'insertedIds',
  'upsertedIds',
  'op',
  'keyValue',
  'errorResponse',
];

export function serializeError(err: unknown): unknown {
  if (err === null || typeof err !== 'object') return err;
  // pino-http hands over what pino's own serializer made of the error: a plain object.
  const out = { ...(err instanceof Error ? pino.stdSerializers.err(err) : err) } as Record<string, unknown>;
  const writeErrors = (err as { writeErrors?: unknown }).writeErrors;
  for (const key of DOCUMENT_KEYS) delete out[key];
  // MongoDB writes the duplicate value into the message too: "… dup key: { email: "…" }".
  for (const key of ['message', 'stack', 'errmsg']) {
    if (typeof out[key] === 'string') out[key] = out[key].replace(/dup key: \{[^}]*\}?/g, 'dup key: {…}');
  }
  if (Array.isArray(writeErrors)) {
    out.writeErrorCount = writeErrors.length;
    out.writeErrorCodes = [...new Set(writeErrors.map((e: { code?: unknown }) => e.code))];
  }
  const cause = (err as { cause?: unknown }).cause;
  if (cause !== undefined) out.cause = serializeError(cause);
  return out;
}

export function createLogger(level: string, destination?: pino.DestinationStream, name?: string): Logger {
  return pino(
    {
      level,
      name,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: { err: serializeError },
    },
    destination,
  );
}

export type { Logger };
