/**
 * The account page's routes in the OpenAPI description (src/openapi/index.ts spreads them
 * into its paths). Not used by the apps: JSON bodies, and the guards of http/pageGuard.ts.
 */
import { busy, tooMany, unavailable, type Schema } from '../../openapi/parts';

const str = (description?: string): Schema => ({ type: 'string', ...(description ? { description } : {}) });
const reason = (description: string) => ({
  description: `${description} (short plain-text reason)`,
  content: { 'text/plain': { schema: str() } },
});
const json = (schema: Schema, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
const obj = (properties: Record<string, Schema>, required = Object.keys(properties)): Schema => ({
  type: 'object',
  required,
  properties,
});
const body = (properties: Record<string, Schema>) => ({
  required: true,
  description: 'JSON, at most 4 KB (other types: 415)',
  content: { 'application/json': { schema: obj(properties) } },
});

const cookie = [{ session: [] as string[] }];
const csrfHeader = {
  name: 'X-CSRF-Token',
  in: 'header',
  required: true,
  description: "The session's token, from the sign-in answer or GET /account/me",
  schema: str(),
};
const account = obj({
  email: str(),
  phone: str('00… form; "" when none'),
  waiting: obj({ to_you: { type: 'integer' }, from_you: { type: 'integer' } }),
});
const loggedOut = { 401: reason('No valid session') };
const guarded = {
  ...loggedOut,
  403: reason('Cross-site request (Origin or Sec-Fetch-Site), or a missing or wrong X-CSRF-Token'),
};
const state = (values: string[]) => obj({ state: { type: 'string', enum: values } });

export const accountPagePaths = {
  '/account': {
    get: {
      summary: 'The account page (HTML, English or French by Accept-Language)',
      responses: {
        200: { description: 'The page', content: { 'text/html': { schema: str() } } },
        ...unavailable,
      },
    },
  },
  '/account/login': {
    post: {
      summary: "Sign in on the page with the apps' credentials (SHA-256 hex password) and login limits",
      requestBody: body({ email: str(), password: str('Lowercase hex SHA-256 of what the user typed') }),
      responses: {
        200: json(
          {
            oneOf: [
              obj({ state: { const: 'signed_in' }, csrf_token: str(), account }),
              obj({ state: { const: 'deleted' } }),
            ],
          },
          'Signed in (a SameSite=Strict session cookie), or the right password of an account whose deletion was interrupted: the deletion is finished',
        ),
        400: reason('Missing or malformed field'),
        401: reason('Wrong email or password'),
        403: reason('Cross-site request'),
        413: reason('Body over 4 KB'),
        415: reason('Body not JSON'),
        ...tooMany('Too many failed logins for this account or address'),
        ...busy,
      },
    },
  },
  '/account/me': {
    get: {
      summary: 'The signed-in account and its CSRF token',
      security: cookie,
      responses: {
        200: json(obj({ csrf_token: str(), account }), 'The account'),
        ...loggedOut,
        ...unavailable,
      },
    },
  },
  '/account/export': {
    get: {
      summary: 'Download my data: the account, device, sessions, address book, messages sent and received',
      security: cookie,
      parameters: [csrfHeader],
      responses: {
        200: json(
          { type: 'object' },
          'A JSON attachment (README "Privacy" describes it); messages received as /receive_all shows them',
        ),
        ...guarded,
        ...unavailable,
      },
    },
  },
  '/account/delete': {
    post: {
      summary: 'Delete my account, confirmed by its email',
      security: cookie,
      'x-ends-session': true,
      parameters: [csrfHeader],
      requestBody: body({ email: str("The account's email, typed to confirm") }),
      responses: {
        200: json(state(['deleted']), 'Deleted; the session is gone'),
        400: reason('Not the email of this account'),
        ...guarded,
        413: reason('Body over 4 KB'),
        415: reason('Body not JSON'),
        ...unavailable,
      },
    },
  },
  '/account/logout': {
    post: {
      summary: 'Sign out of the page',
      security: cookie,
      'x-ends-session': true,
      parameters: [csrfHeader],
      responses: { 200: json(state(['signed_out']), 'Signed out'), ...guarded, ...unavailable },
    },
  },
} as const;
