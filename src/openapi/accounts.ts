/**
 * Accounts (src/routes/accounts.ts): signup, login, logout, phone number, password reset.
 */
import { loginValuesShape } from '../shapes';
import { accountForms } from '../routes/accounts';
import { fromZod, queryParameters } from './fromZod';
import {
  badRequest,
  bodyErrors,
  busy,
  empty,
  formBody,
  json,
  loginRequired,
  reason,
  sessionCookie,
  tooMany,
  unavailable,
} from './parts';

export function accountPaths() {
  return {
    '/signup': {
      post: {
        summary: 'Create an account (does not log in); sends a welcome email',
        requestBody: formBody(accountForms.signup, {
          descriptions: {
            email: 'Stored trimmed, lower-cased, inner spaces back to `+` (iOS sends `+` unencoded)',
            password: 'Lowercase hex SHA-256 of what the user typed',
            country_code: 'Kept lower-cased when two letters; anything else is ignored; default `us`',
          },
        }),
        responses: {
          200: empty(),
          ...badRequest,
          406: reason('Email already used'),
          ...bodyErrors,
          ...tooMany('Too many signups from this address or for this email'),
          ...busy,
        },
      },
    },
    '/login': {
      post: {
        summary: 'Log in; records the device push token and app version',
        requestBody: formBody(accountForms.login, {
          descriptions: {
            email: 'Compared normalised, as signup stores it',
            password: 'SHA-256 hex; empty or missing (a Facebook user) fails with 401',
            os: '`android` or `ios`',
            reg_id: 'Push token; `(null)` or "" when none',
            country_code: 'Kept when two letters; anything else (iOS region codes like `419`) is ignored',
            facebook_id: 'Used only with FACEBOOK_LOGIN=legacy',
          },
        }),
        responses: {
          200: {
            ...json(
              fromZod(loginValuesShape),
              'Logged in; every value is a string (`force_update` is "false" unless configured)',
            ),
            headers: {
              'Set-Cookie': {
                description:
                  'The new session: `session=…; Path=/; HttpOnly; SameSite=Lax` (Secure with COOKIE_SECURE)',
                required: true,
                schema: { type: 'string', pattern: '^session=' },
              },
            },
          },
          401: reason(
            'Every failed login: wrong or unknown credentials, an empty or missing email or password, a malformed form',
          ),
          ...bodyErrors,
          ...tooMany('Too many failed logins for this account or address'),
          ...busy,
        },
      },
    },
    '/logout': {
      post: {
        summary: 'End the session it is sent with (for curl users; the apps never call it)',
        // The session is optional: without one, nothing to end.
        security: [...sessionCookie, {}],
        'x-ends-session': true,
        responses: { 200: empty('Done, with or without a session (empty body)'), ...unavailable },
      },
    },
    '/define_first_phone_number': {
      post: {
        summary:
          "Set or replace the current device; the account's first number claims the bottles sent to it",
        security: sessionCookie,
        requestBody: formBody(accountForms.phone, {
          descriptions: {
            phone_number:
              '`00` + country code + national number, e.g. 0033612345678, as the apps write it: leading ' +
              'characters other than digits and `+` are dropped, then `(0)`, then every non-digit; a leading ' +
              '`+` reads as `00`; 4 to 20 digits must remain, from at most 64 characters',
            reg_id: 'Push token; `(null)` or "" when none',
          },
        }),
        responses: {
          200: empty(),
          ...badRequest,
          ...loginRequired,
          406: reason('Number belongs to another account'),
          ...bodyErrors,
          ...tooMany('Too many number changes in 30 days'),
          ...unavailable,
        },
      },
    },
    '/send_reset_mail': {
      get: {
        summary: 'Email a password reset code',
        parameters: queryParameters(accountForms.resetQuery, { email: 'Compared normalised' }),
        responses: {
          200: empty(),
          ...badRequest,
          406: reason('No account with this email'),
          ...tooMany('Too many requests for this email or from this address'),
          ...unavailable,
        },
      },
    },
    '/define_new_password': {
      post: {
        summary:
          'Set a new password with the emailed code; ends every session of the user (does not log in) and emails them',
        requestBody: formBody(accountForms.newPassword, {
          descriptions: { email: 'Compared normalised', new_password: 'SHA-256 hex' },
        }),
        responses: {
          200: empty(),
          ...badRequest,
          401: reason('No account with this email'),
          406: reason('Wrong, used or expired code'),
          ...bodyErrors,
          ...tooMany('Too many attempts, or too many wrong codes for this account today'),
          ...busy,
        },
      },
    },
  };
}
