/**
 * The pieces every operation of the description is made of: answers (plain text, empty,
 * JSON), the statuses shared by many routes, and the form request body.
 */
import type { z } from 'zod';
import { MAX_FORM_PAIRS } from '../domain/form';
import { describedForm, type Schema } from './fromZod';

export type { Schema };

export const str = (description?: string): Schema => ({
  type: 'string',
  ...(description ? { description } : {}),
});
export const text = (description: string, schema: Schema = str()) => ({
  description,
  content: { 'text/plain': { schema } },
});
export const empty = (description = 'Done (empty body, no Content-Type)') => ({ description });
export const reason = (description: string) => text(`${description} (short plain-text reason)`);
export const json = (schema: Schema, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

const retryAfter = (description: string, required = true) => ({
  'Retry-After': { description, required, schema: { type: 'integer', minimum: 1 } },
});

// The IETF fields of a 429 over a named limit (src/http/rateLimitHeaders.ts): a list of
// `"name";q=<quota>;w=<window s>` and of `"name";r=0;t=<seconds to wait>`.
const LIMIT_NAME = String.raw`"[^"\\]*(?:\\.[^"\\]*)*"`;
const fieldList = (params: string) => `^${LIMIT_NAME}${params}(?:, ${LIMIT_NAME}${params})*$`;
const tooManyHeaders = (wait: string) => ({
  ...retryAfter(wait),
  'RateLimit-Policy': {
    description: 'Each named limit the request was over (none for a burst of racing requests)',
    schema: { type: 'string', pattern: fieldList(';q=[0-9]+;w=[0-9]+') },
  },
  RateLimit: {
    description: 'Each of those limits: none remaining, and the seconds until a retry may pass',
    schema: { type: 'string', pattern: fieldList(';r=0;t=[0-9]+') },
  },
});

/**
 * Any request carrying a session cookie reads its session from the database, and most
 * routes read or write more: when the database is unreachable the answer is this 503
 * (never a 500: the apps would drop their base URL).
 */
export const unavailable = { 503: reason('Database unavailable, retry later') };
export const loginRequired = { 401: reason('No valid session; the apps log in again and retry once') };
export const badRequest = { 400: reason('Missing or malformed field (the reason names it)') };
export const tooMany = (description: string) => ({
  429: { ...reason(description), headers: tooManyHeaders('Seconds to wait') },
});
/** bcrypt work is bounded per process (README "Accounts"); the same status when the database is down. */
export const busy = {
  503: {
    ...reason('Password hashing is busy (with Retry-After: 1), or the database is unavailable (without)'),
    headers: retryAfter('Seconds to wait, when hashing is busy', false),
  },
};
/** Every route reading a body (src/http/form.ts). */
export const bodyErrors = {
  413: reason('Body over the route limit (the reason says it); the connection is then closed'),
  415: reason('Content-Encoding other than identity: bodies are never inflated'),
};
export const quota = (what: string) => ({
  429: {
    ...reason(`Daily quota of ${what} reached (README "Limits")`),
    headers: tooManyHeaders('Seconds until UTC midnight, or 1 for too many at once'),
  },
});
export const sessionCookie = [{ session: [] as string[] }];
export const operatorToken = [{ operator: [] as string[] }];

/**
 * A POST body: read as a Werkzeug flat form whatever its Content-Type (../shared/CONTRACT.md
 * §1), described by the route's zod schema.
 */
export function formBody(
  schema: z.ZodType,
  options: { limit?: string; descriptions?: Record<string, string> } = {},
) {
  return {
    required: true,
    description:
      'Read as a Werkzeug flat form whatever the Content-Type says: `+` is a space, `%XX` decoded, ' +
      'invalid escapes kept, raw UTF-8 accepted, the first value of a repeated key wins, only the ' +
      `first ${MAX_FORM_PAIRS.toLocaleString('en')} \`&\`-separated pieces read, unknown keys ignored; ` +
      `${options.limit ?? 'at most 64 KB'}, uncompressed, read after the session check. ` +
      'iOS sends values unencoded, Android encodes them. Lengths count UTF-16 units.',
    content: {
      'application/x-www-form-urlencoded': { schema: describedForm(schema, options.descriptions) },
    },
  };
}
