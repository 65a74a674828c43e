/**
 * OpenAPI 3.1 description of the wire contract (../shared/CONTRACT.md), quirks included:
 * POST bodies are flat forms whatever the Content-Type, several fields carry JSON text,
 * answers are often plain text or empty, and every JSON value the apps read is a string.
 * A test fails when a route exists without a description here, or the reverse.
 */
import { z } from 'zod';
import { accountPagePaths } from './pages/account/openapi';
import { addressBookItemShape, contactItemShape, loginValuesShape, receivedItemShape } from './shapes';

type Schema = Record<string, unknown>;

const str = (description?: string): Schema => ({ type: 'string', ...(description ? { description } : {}) });
const text = (description: string) => ({ description, content: { 'text/plain': { schema: str() } } });
const empty = (description = 'Done (empty body)') => ({ description });
const reason = (description: string) => text(`${description} (short plain-text reason)`);

const loginRequired = { 401: reason('No valid session; the apps log in again and retry once') };
const badRequest = { 400: reason('Missing or malformed field') };
const retryAfter = { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' } } };
const tooMany = (description: string) => ({ ...reason(description), headers: retryAfter });
const busy = { ...reason('Password hashing is busy; retry shortly'), headers: retryAfter };
/** Every route reading a body (src/http/form.ts). */
const bodyErrors = {
  413: reason('Body over the route limit (the reason says it); the connection is then closed'),
  415: reason('Content-Encoding other than identity: bodies are never inflated'),
};
const quota = (what: string) => ({
  429: {
    ...reason(`Daily quota of ${what} reached (README "Limits")`),
    headers: { 'Retry-After': { description: 'Seconds until UTC midnight', schema: { type: 'integer' } } },
  },
});
const cookie = [{ session: [] as string[] }];

function form(required: string[], props: Record<string, Schema>, limit = 'at most 64 KB') {
  const schema = { type: 'object', required, properties: props };
  return {
    required: true,
    description:
      'Parsed as a Werkzeug flat form whatever the Content-Type: `+` is a space, `%XX` decoded, ' +
      'invalid escapes kept, raw UTF-8 accepted, first value of a repeated key wins, only the first ' +
      `1,000 \`&\`-separated pieces read; ${limit}, uncompressed, and read only after the session ` +
      'check. iOS sends values unencoded; Android encodes them.',
    content: {
      'application/x-www-form-urlencoded': { schema },
      'text/plain': { schema },
    },
  };
}

const allStrings = (keys: string[]): Schema => ({
  type: 'object',
  required: keys,
  properties: Object.fromEntries(keys.map((k) => [k, str()])),
  additionalProperties: false,
});

/** JSON Schema 2020-12 is OpenAPI 3.1's own dialect: the per-schema `$schema` is dropped. */
function fromShape(shape: z.ZodObject): Schema {
  const { $schema: _dialect, ...schema } = z.toJSONSchema(shape, { target: 'draft-2020-12' });
  return schema;
}

const contactItem = fromShape(contactItemShape);
const addressItem = fromShape(addressBookItemShape);
const messageItem = fromShape(receivedItemShape);
const loginAnswer = fromShape(loginValuesShape);
const json = (schema: Schema, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
const operator = [{ operator: [] as string[] }];
const operatorErrors = {
  401: reason('Missing or wrong operator token'),
  404: reason('No OPERATOR_TOKEN configured: the route is hidden'),
};

export const openapi = {
  openapi: '3.1.0',
  info: {
    title: 'Pictever API',
    version: '1.0.0',
    description:
      'Time-capsule messenger API used by the Pictever iOS 2.x and Android 1.1 apps. Paths are bare names at the ' +
      'root; a valid route never answers 404 or 500 (the apps reset their base URL on those).',
  },
  components: {
    securitySchemes: {
      session: { type: 'apiKey', in: 'cookie', name: 'session', description: 'Set by POST /login' },
      operator: { type: 'http', scheme: 'bearer', description: 'OPERATOR_TOKEN' },
    },
  },
  paths: {
    '/hello': { get: { summary: 'Liveness', responses: { 200: text('`hello`') } } },
    '/signup': {
      post: {
        summary: 'Create an account (does not log in); sends a welcome email',
        requestBody: form(['email', 'password'], {
          email: str('Normalised: trimmed, lower-cased, inner spaces back to `+`'),
          password: str('Lowercase hex SHA-256 of what the user typed'),
          country_code: str(
            'Two-letter ISO code, stored lower-cased; anything else is ignored; default `us`',
          ),
        }),
        responses: {
          200: empty(),
          ...badRequest,
          406: reason('Email already used'),
          ...bodyErrors,
          429: tooMany('Too many attempts'),
          503: busy,
        },
      },
    },
    '/login': {
      post: {
        summary: 'Log in; records the device push token and app version',
        requestBody: form(['email', 'password', 'os', 'reg_id'], {
          email: str(),
          password: str('SHA-256 hex'),
          os: str('`android` or `ios`'),
          reg_id: str('Push token; `(null)` or "" when none'),
          app_version: str(),
          country_code: str('Kept when two letters; anything else (iOS region codes like `419`) is ignored'),
          facebook_id: str('Only with FACEBOOK_LOGIN=legacy'),
          facebook_name: str(),
          facebook_birthday: str(),
        }),
        responses: {
          200: json(
            loginAnswer,
            'Logged in; every value is a string (`force_update` is "false" unless configured)',
          ),
          401: reason(
            'Every failed login: wrong or unknown credentials, an empty or missing email or password, a malformed form',
          ),
          ...bodyErrors,
          429: tooMany('Too many failed logins for this account or address'),
          503: busy,
        },
      },
    },
    '/logout': { post: { summary: 'End the session (for curl users)', responses: { 200: empty() } } },
    '/define_first_phone_number': {
      post: {
        summary:
          "Set or replace the current device; the account's first number claims the bottles sent to it",
        security: cookie,
        requestBody: form(['phone_number', 'os', 'reg_id'], {
          phone_number: str(
            '`00` + country code + national number, e.g. 0033612345678; separators and a leading `+` are tolerated',
          ),
          os: str(),
          reg_id: str(),
        }),
        responses: {
          200: empty(),
          ...badRequest,
          ...loginRequired,
          406: reason('Number belongs to another account'),
          ...bodyErrors,
          429: tooMany('Too many number changes in 30 days'),
        },
      },
    },
    '/send': {
      post: {
        summary: 'Send a message to the future',
        security: cookie,
        requestBody: form(
          ['message', 'receiver_ids'],
          {
            message: str('Text; "" for a photo; at most MESSAGE_MAX_CHARS (20,000) UTF-16 units'),
            receiver_ids: str('JSON list of `id<user_id>` or `num<phone>`; at most MAX_RECEIVERS (2,000)'),
            delivery_option: str(
              'JSON `{"type": <send-choice key>|"calendar"|"resend", "parameters": …, "timezone": …}`; missing: now',
            ),
            photo_id: str('Opaque S3 key, at most 1,024 bytes'),
            video_id: str('At most 1,024 bytes'),
            sound_id: str('At most 1,024 bytes'),
          },
          'at most 64 KB + 9 bytes per MESSAGE_MAX_CHARS + 48 per MAX_RECEIVERS (350 KB by default)',
        ),
        responses: {
          200: empty('Stored (a retry within the dedup window stores nothing new)'),
          ...badRequest,
          ...loginRequired,
          ...bodyErrors,
          ...quota('messages (MESSAGES_PER_DAY) or pushes caused (PUSHES_PER_DAY)'),
        },
      },
    },
    '/receive_all': {
      get: {
        summary: 'Messages delivered in [ts, now], the oldest RECEIVE_MAX (500) of them',
        security: cookie,
        parameters: [
          {
            name: 'ts',
            in: 'query',
            required: true,
            schema: str('Epoch seconds in any float form, e.g. 1.418000000123E9'),
          },
        ],
        responses: {
          200: json(
            {
              type: 'object',
              required: ['ts', 'new_messages'],
              properties: { ts: { type: 'number' }, new_messages: { type: 'array', items: messageItem } },
            },
            '`ts` is a JSON number: now, or, when more than RECEIVE_MAX messages were due, the delivery ' +
              'time from which the next call continues (nothing skipped or repeated); every item value is a string',
          ),
          ...badRequest,
          ...loginRequired,
        },
      },
    },
    '/resend': {
      post: {
        summary: 'Get a received message back again later',
        security: cookie,
        requestBody: form(['message_id'], { message_id: str() }),
        responses: {
          200: empty(
            "Rescheduled; also the answer, with nothing changed, for a message this user did not receive (unknown, blocked or someone else's)",
          ),
          ...badRequest,
          ...loginRequired,
          ...bodyErrors,
        },
      },
    },
    '/get_send_choices': {
      get: {
        summary: 'Active delivery choices, sorted by order_id, localised',
        security: cookie,
        responses: {
          200: json({ type: 'array', items: allStrings(['order_id', 'key', 'send_label']) }, 'All strings'),
          ...loginRequired,
        },
      },
    },
    '/get_number_of_future_messages': {
      get: {
        summary: 'Pending messages addressed to this user',
        security: cookie,
        responses: { 200: text('An integer, e.g. `3`'), ...loginRequired },
      },
    },
    '/get_my_status': {
      get: {
        summary: 'Status tier label (never goes down)',
        security: cookie,
        responses: { 200: text('e.g. `Newbie`'), ...loginRequired },
      },
    },
    '/block_contacts': {
      post: {
        summary: 'Block every pending message between this user and the listed users',
        security: cookie,
        requestBody: form(['contacts_to_block'], {
          contacts_to_block: str(
            'JSON list of user ids, with or without `id`; at most BLOCK_MAX_CONTACTS (1,000)',
          ),
        }),
        responses: { 200: empty(), ...badRequest, ...loginRequired, ...bodyErrors },
      },
    },
    '/upload_contacts': {
      post: {
        summary: 'Which of these numbers have an account (emails and Facebook identities never disclosed)',
        security: cookie,
        requestBody: form(
          ['contacts'],
          {
            contacts: str(
              'JSON list of phone strings; entries past CONTACTS_MAX_NUMBERS (20,000) are ignored',
            ),
          },
          'at most 6 MB',
        ),
        responses: {
          200: json({ type: 'array', items: contactItem }, 'One item per number with an account'),
          ...badRequest,
          ...loginRequired,
          ...bodyErrors,
          ...quota('numbers looked up (CONTACT_LOOKUPS_PER_DAY)'),
        },
      },
    },
    '/upload_address_book': {
      post: {
        summary: 'Store the address book; tolerant of truncated or corrupted JSON',
        security: cookie,
        requestBody: form(
          ['address_book'],
          { address_book: str('JSON list of {"tel", "name"}; `"}]` appended when missing') },
          'at most 6 MB',
        ),
        responses: { 200: empty(), ...badRequest, ...loginRequired, ...bodyErrors },
      },
    },
    '/get_address_book': {
      get: {
        summary: 'Contacts of the uploaded address book who are on Pictever',
        security: cookie,
        responses: {
          200: json(
            { type: 'array', items: addressItem },
            'All strings; an empty body when nothing was uploaded',
          ),
          ...loginRequired,
        },
      },
    },
    '/send_reset_mail': {
      get: {
        summary: 'Email a password reset code',
        parameters: [{ name: 'email', in: 'query', required: true, schema: str() }],
        responses: {
          200: empty(),
          ...badRequest,
          406: reason('Unknown email'),
          429: tooMany('Too many requests'),
        },
      },
    },
    '/define_new_password': {
      post: {
        summary:
          'Set a new password with the emailed code; ends every session of the user (does not log in) and emails them',
        requestBody: form(['email', 'verification_code', 'new_password'], {
          email: str(),
          verification_code: str(),
          new_password: str('SHA-256 hex'),
        }),
        responses: {
          200: empty(),
          ...badRequest,
          401: reason('Unknown email'),
          406: reason('Wrong, used or expired code'),
          ...bodyErrors,
          429: tooMany('Too many attempts, or too many wrong codes for this account today'),
          503: busy,
        },
      },
    },
    '/openapi.json': {
      get: { summary: 'This description', responses: { 200: json({ type: 'object' }, 'OpenAPI 3.1') } },
    },
    '/readyz': {
      get: {
        summary: 'Readiness: the database answers',
        security: operator,
        responses: { 200: text('`ready`'), 503: text('Database unavailable'), ...operatorErrors },
      },
    },
    '/metrics': {
      get: {
        summary: 'Prometheus metrics',
        security: operator,
        responses: { 200: text('Prometheus text format'), ...operatorErrors },
      },
    },
    '/waiting': {
      get: {
        summary: 'Count of pushes due and not yet sent',
        security: operator,
        responses: { 200: text('An integer'), ...operatorErrors },
      },
    },
    ...accountPagePaths,
  },
} as const;
