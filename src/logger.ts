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

export function createLogger(level: string, destination?: pino.DestinationStream, name?: string): Logger {
  return pino({ level, name, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, destination);
}

export type { Logger };
