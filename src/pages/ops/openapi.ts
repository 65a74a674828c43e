/**
 * The operator's console in the OpenAPI description (src/openapi/index.ts spreads it into
 * its paths). Not used by the apps: HTML pages and forms, behind OPERATOR_TOKEN (404
 * for every path when it is unset), the session cookie `ops` from POST /ops/sign-in.
 */
import { busy, reason, str, tooMany, unavailable } from '../../openapi/parts';

const opsCookie = [{ opsSession: [] as string[] }];
const page = (description: string) => ({ description, content: { 'text/html': { schema: str() } } });
const seeOther = { 303: { description: 'Done: back to the console, whose action log shows the result' } };
const hidden = { 404: reason('No OPERATOR_TOKEN configured: the console does not exist') };

/** A form of the console: flat urlencoded fields, at most 64 KB. */
function form(properties: Record<string, object>, required = Object.keys(properties)) {
  return {
    required: true,
    description: 'A form (urlencoded), at most 64 KB',
    content: {
      'application/x-www-form-urlencoded': { schema: { type: 'object', required, properties } },
    },
  };
}

const csrf = { type: 'string', description: "The session's CSRF field, as the console page carries it" };
/** Every action: no session 401, cross-site or without its CSRF field 403, then the form. */
const actionErrors = {
  400: reason('Missing or malformed field (the reason names it)'),
  401: reason('No operator session'),
  403: reason('Cross-site request, or a missing or wrong csrf field'),
  413: reason('Form over 64 KB'),
  ...hidden,
  ...busy,
};

/** `reason` is optional wherever it is a field (the filter of the page the form was on). */
function action(summary: string, properties: Record<string, object> = {}, extra: object = {}) {
  return {
    post: {
      summary,
      security: opsCookie,
      requestBody: form({ csrf, ...properties }, [
        'csrf',
        ...Object.keys(properties).filter((k) => k !== 'reason'),
      ]),
      responses: { ...seeOther, ...actionErrors, ...extra },
    },
  };
}

export const opsConsoleSecurity = {
  opsSession: {
    type: 'apiKey',
    in: 'cookie',
    name: 'ops',
    description:
      'Set by POST /ops/sign-in (HttpOnly, SameSite=Strict, Path=/ops); lives OPERATOR_SESSION_MINUTES',
  },
};

export const opsConsolePaths = {
  '/ops': {
    get: {
      summary: "The operator's console (HTML): the sign-in form without a session",
      parameters: [
        {
          name: 'reason',
          in: 'query',
          required: false,
          description: 'Show only the failures of this reason',
          schema: { type: 'string', maxLength: 500 },
        },
      ],
      responses: {
        200: page('The console, or the sign-in form'),
        400: reason('A reason over 500 characters'),
        ...hidden,
        ...unavailable,
      },
    },
  },
  '/ops/sign-in': {
    post: {
      summary: 'Sign in with OPERATOR_TOKEN (constant-time check; failures limited per address)',
      requestBody: form({ token: { type: 'string', maxLength: 1024 } }),
      responses: {
        303: { description: 'Signed in: the `ops` cookie is set, back to the console' },
        400: reason('Missing token, or one over 1,024 characters'),
        401: page('Wrong token: the form again, with the error'),
        413: reason('Form over 64 KB'),
        429: {
          ...page('Too many wrong tokens from this address: the form again, with the error'),
          headers: tooMany('')[429].headers,
        },
        ...hidden,
        ...busy,
      },
    },
  },
  '/ops/sign-out': { post: { ...action('End the operator session').post, 'x-ends-session': true } },
  '/ops/pause': action('Pause delivery: every worker stops claiming; the queue waits'),
  '/ops/resume': action('Resume delivery'),
  '/ops/requeue': action(
    'Requeue one failed push (once, however often asked)',
    { id: { type: 'string', pattern: '^[0-9a-f]{24}$' }, reason: { type: 'string', maxLength: 500 } },
    { 404: reason('No failed push with this id, or no OPERATOR_TOKEN') },
  ),
  '/ops/requeue-all': action('Requeue every failed message push of a reason (all reasons when empty)', {
    reason: { type: 'string', maxLength: 500 },
  }),
  '/ops/test-push': action("Send one test push to a device token and record the provider's answer", {
    provider: { type: 'string', enum: ['fcm', 'apns'] },
    token: { type: 'string', minLength: 1, maxLength: 4096 },
  }),
};
