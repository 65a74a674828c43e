/**
 * Messages (src/routes/messages.ts): send, receive, resend, counts, status, blocking.
 */
import type { Config } from '../config';
import { sendLimitBytes } from '../http/form';
import { messageForms } from '../routes/messages';
import { receivedItemShape } from '../shapes';
import { fromZod, queryParameters } from './fromZod';
import {
  badRequest,
  bodyErrors,
  empty,
  formBody,
  json,
  loginRequired,
  quota,
  sessionCookie,
  str,
  text,
  unavailable,
} from './parts';

const allStrings = (keys: string[]) => ({
  type: 'object',
  required: keys,
  properties: Object.fromEntries(keys.map((k) => [k, str()])),
  additionalProperties: false,
});

export function messagePaths(config: Config) {
  const forms = messageForms(config);
  const sendLimitKb = Math.ceil(sendLimitBytes(config) / 1024);
  return {
    '/send': {
      post: {
        summary: 'Send a message to the future',
        security: sessionCookie,
        requestBody: formBody(forms.send, {
          limit: `at most ${sendLimitKb} KB (64 KB + 9 bytes per MESSAGE_MAX_CHARS + 48 per MAX_RECEIVERS + 9 KB)`,
          descriptions: {
            message: `Text; "" for a photo; at most MESSAGE_MAX_CHARS (${config.MESSAGE_MAX_CHARS}) UTF-16 units`,
            receiver_ids:
              `JSON list of \`id<user_id>\` (an account: an unknown one is a 400) or \`num<phone>\` (any ` +
              `number: one without an account keeps the message for its future owner); 1 to MAX_RECEIVERS ` +
              `(${config.MAX_RECEIVERS}) entries, each trimmed; a \`num…\` entry without a usable number is ` +
              'skipped, and a 400 only when no receiver is left. The pattern gives the entries unescaped',
            delivery_option:
              'JSON `{"type": <send-choice key>|"calendar"|"resend", "parameters": …, "timezone"|"time_zone": …}` ' +
              '(keys in any order, others ignored); blank or missing: now. `calendar` takes epoch seconds ' +
              '(a number or a float text, at most 8.64e12) or "now"; a key names an active or inactive ' +
              'send choice (an unknown one is a 400). The pattern gives the common forms',
            photo_id: 'Opaque S3 key, at most 1,024 bytes of UTF-8',
            video_id: 'At most 1,024 bytes of UTF-8',
            sound_id: 'At most 1,024 bytes of UTF-8',
          },
        }),
        responses: {
          200: empty('Stored (a retry within the dedup window stores nothing new)'),
          ...badRequest,
          ...loginRequired,
          ...bodyErrors,
          ...quota(
            'messages (MESSAGES_PER_DAY) or pushes caused (PUSHES_PER_DAY), or too many sends at once',
          ),
          ...unavailable,
        },
      },
    },
    '/receive_all': {
      get: {
        summary: `Messages delivered in [ts, now + CLOCK_SKEW_ALLOWANCE_MS), the oldest RECEIVE_MAX (${config.RECEIVE_MAX}) of them`,
        security: sessionCookie,
        parameters: queryParameters(forms.receive, {
          ts: 'Epoch seconds in any float form, e.g. 1412932000, 1418000000.123456, 1.418000000123E9 (blanks around ignored)',
        }),
        responses: {
          200: json(
            {
              type: 'object',
              required: ['ts', 'new_messages'],
              properties: {
                ts: { type: 'number' },
                new_messages: { type: 'array', items: fromZod(receivedItemShape) },
              },
              additionalProperties: false,
            },
            '`ts` is a JSON number: now, or, when more than RECEIVE_MAX messages were due, the delivery ' +
              'time from which the next call continues (nothing skipped or repeated); every item value is a string',
          ),
          ...badRequest,
          ...loginRequired,
          ...unavailable,
        },
      },
    },
    '/resend': {
      post: {
        summary: 'Get a received message back again later',
        security: sessionCookie,
        requestBody: formBody(forms.resend),
        responses: {
          200: empty(
            "Rescheduled; also the answer, with nothing changed, for a message this user did not receive (unknown, blocked or someone else's)",
          ),
          ...badRequest,
          ...loginRequired,
          ...bodyErrors,
          ...unavailable,
        },
      },
    },
    '/get_send_choices': {
      get: {
        summary: 'Active delivery choices, sorted by order_id, localised',
        security: sessionCookie,
        responses: {
          200: json({ type: 'array', items: allStrings(['order_id', 'key', 'send_label']) }, 'All strings'),
          ...loginRequired,
          ...unavailable,
        },
      },
    },
    '/get_number_of_future_messages': {
      get: {
        summary: 'Pending messages addressed to this user',
        security: sessionCookie,
        responses: {
          200: text('An integer, e.g. `3`', { type: 'string', pattern: '^(?:0|[1-9][0-9]*)$' }),
          ...loginRequired,
          ...unavailable,
        },
      },
    },
    '/get_my_status': {
      get: {
        summary: 'Status tier label (never goes down)',
        security: sessionCookie,
        responses: { 200: text('e.g. `Newbie`'), ...loginRequired, ...unavailable },
      },
    },
    '/block_contacts': {
      post: {
        summary: 'Block every pending message between this user and the listed users',
        security: sessionCookie,
        requestBody: formBody(forms.block, {
          descriptions: {
            contacts_to_block: `JSON list of user ids, with or without \`id\`, each trimmed; at most BLOCK_MAX_CONTACTS (${config.BLOCK_MAX_CONTACTS}). The pattern gives them unescaped`,
          },
        }),
        responses: { 200: empty(), ...badRequest, ...loginRequired, ...bodyErrors, ...unavailable },
      },
    },
  };
}
