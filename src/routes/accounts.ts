/**
 * Accounts (../shared/CONTRACT.md §3): signup, login, logout, phone number, password reset.
 * Every form is validated here with zod (400 with a short reason); services do the rest.
 */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../deps';
import { MAX_EMAIL_LENGTH, isValidEmail, normaliseEmail, validEmailShapePattern } from '../domain/email';
import { MAX_PASSWORD_LENGTH } from '../domain/password';
import {
  MAX_PHONE_DIGITS,
  MAX_PHONE_INPUT_LENGTH,
  MIN_PHONE_DIGITS,
  normalisePhone,
  normaliseRegId,
  phoneTextPattern,
} from '../domain/phone';
import { matchingAll, trimmedLengthPattern } from '../domain/textPatterns';
import { authenticate, passwordLoginPassport, type AppPassport } from '../http/auth';
import { clientAddress, parseFields, sessionUserId } from '../http/edge';
import { AppError } from '../http/errors';
import { formBody } from '../http/form';
import { logIn, logOut, requireLogin } from '../http/session';
import { loginValues, recordLogin, signup, type LoginUser } from '../services/accounts/accounts';
import { facebookLogin } from '../services/accounts/facebook';
import { hitFacebookLoginLimit } from '../services/accounts/login';
import { defineFirstPhoneNumber } from '../services/accounts/phone';
import { defineNewPassword, sendResetMail } from '../services/accounts/passwordReset';

// Each schema carries the JSON Schema pattern of what it takes (src/openapi describes the
// forms from these schemas): lengths apply once trimmed, which min/maxLength cannot say.
const nonEmpty = (max: number) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max)
    .meta({ pattern: trimmedLengthPattern(1, max) });
const text = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .meta({ pattern: trimmedLengthPattern(0, max) });
// Passwords are taken as sent (never trimmed): the apps send a SHA-256 hex.
const password = z.string().min(1, 'must not be empty').max(MAX_PASSWORD_LENGTH);
const email = nonEmpty(MAX_EMAIL_LENGTH * 2).transform(normaliseEmail);
const validEmail = email
  .refine(isValidEmail, 'not an email address')
  .meta(matchingAll([trimmedLengthPattern(1, MAX_EMAIL_LENGTH), validEmailShapePattern()]));

/**
 * iOS sends an upper-case ISO code, "(null)" when it has none, or a region code such as
 * `419` (Latin America); Android sends none. Only a two-letter code is kept; anything
 * else is ignored, never refused (../shared/CONTRACT.md §3 login).
 */
const countryCode = z
  .string()
  .optional()
  .transform((v) => {
    const s = (v ?? '').trim().toLowerCase();
    return s.length === 2 && /^[a-z]{2}$/.test(s) ? s : undefined;
  });

const regId = z.string().max(4096).transform(normaliseRegId);
const phoneNumber = nonEmpty(MAX_PHONE_INPUT_LENGTH)
  .transform((v, ctx) => {
    const phone = normalisePhone(v);
    if (phone) return phone;
    const message = `expected ${MIN_PHONE_DIGITS} to ${MAX_PHONE_DIGITS} digits: 00 + country code + number`;
    ctx.addIssue({ code: 'custom', message });
    return z.NEVER;
  })
  .meta(matchingAll([`^${phoneTextPattern()}$`, trimmedLengthPattern(1, MAX_PHONE_INPUT_LENGTH)]));

const signupForm = z.object({ email: validEmail, password, country_code: countryCode });
const loginForm = z.object({
  // Both may be empty (a Facebook user's login): the password path answers 401 then.
  email: text(MAX_EMAIL_LENGTH * 2).transform(normaliseEmail),
  password: z.string().max(MAX_PASSWORD_LENGTH).optional(),
  os: text(50),
  reg_id: regId,
  app_version: text(50).optional(),
  country_code: countryCode,
  facebook_id: text(100).optional(),
  facebook_name: text(200).optional(),
  facebook_birthday: text(50).optional(),
});
const phoneForm = z.object({ phone_number: phoneNumber, os: text(50), reg_id: regId });
const resetQuery = z.object({ email });
const newPasswordForm = z.object({ email, verification_code: nonEmpty(64), new_password: password });

/** The forms and query of these routes, which src/openapi describes. */
export const accountForms = {
  signup: signupForm,
  login: loginForm,
  phone: phoneForm,
  resetQuery,
  newPassword: newPasswordForm,
};

type Handler = (req: Request, res: Response) => Promise<void>;
type LoginForm = z.infer<typeof loginForm>;

export function accountRoutes(deps: AppDeps): Router {
  const router = Router();
  const form = formBody();
  router.post('/signup', form, signupHandler(deps));
  router.post('/login', form, loginHandler(deps, passwordLoginPassport(deps)));
  router.post('/logout', logoutHandler); // not used by the apps: for people trying the API with curl
  router.post('/define_first_phone_number', requireLogin, form, phoneHandler(deps));
  router.get('/send_reset_mail', resetMailHandler(deps));
  router.post('/define_new_password', form, newPasswordHandler(deps));
  return router;
}

function signupHandler(deps: AppDeps): Handler {
  return async (req, res) => {
    const form = parseFields(signupForm, req.body);
    await signup(deps, {
      email: form.email,
      password: form.password,
      countryCode: form.country_code ?? 'us',
      address: clientAddress(req),
    });
    res.status(200).end();
  };
}

/** The original's Facebook login applies only when an operator enabled it. */
function usesFacebook(deps: AppDeps, form: LoginForm): form is LoginForm & { facebook_id: string } {
  return deps.config.FACEBOOK_LOGIN === 'legacy' && !!form.facebook_id;
}

/**
 * Every failed login is a 401, a malformed form included: the apps log in again on 401,
 * while a 400 does nothing on Android and logs the user out on iOS (../shared/CONTRACT.md §3).
 */
function parseLoginForm(body: unknown): LoginForm {
  try {
    return parseFields(loginForm, body);
  } catch (err) {
    if (err instanceof AppError && err.status === 400) throw AppError.unauthorized(err.reason);
    throw err;
  }
}

function loginHandler(deps: AppDeps, passport: AppPassport): Handler {
  return async (req, res) => {
    const form = parseLoginForm(req.body);
    const address = clientAddress(req);
    let user: LoginUser | null;
    if (usesFacebook(deps, form)) {
      await hitFacebookLoginLimit(deps, address);
      user = await facebookUser(deps, form);
    } else {
      user = await authenticate(passport, req, res);
    }
    if (!user) throw AppError.unauthorized('wrong email or password');
    // The right password of an account being deleted: the 401 of an unknown account.
    if (user.deleting) throw AppError.unauthorized('wrong email or password');
    await logIn(req, { id: user.id }, { at: deps.now(), address });
    await recordLogin(deps, user, {
      os: form.os,
      regId: form.reg_id,
      appVersion: form.app_version,
      countryCode: form.country_code,
    });
    res.status(200).json(loginValues(deps.config, user.id));
  };
}

function facebookUser(deps: AppDeps, form: LoginForm & { facebook_id: string }): Promise<LoginUser | null> {
  return facebookLogin(deps, {
    facebookId: form.facebook_id,
    facebookName: form.facebook_name ?? '',
    facebookBirthday: form.facebook_birthday ?? '',
    email: form.email,
    countryCode: form.country_code,
  });
}

const logoutHandler: Handler = async (req, res) => {
  await logOut(req);
  res.status(200).end();
};

function phoneHandler(deps: AppDeps): Handler {
  return async (req, res) => {
    const form = parseFields(phoneForm, req.body);
    await defineFirstPhoneNumber(deps, sessionUserId(req), {
      phone: form.phone_number,
      os: form.os,
      regId: form.reg_id,
    });
    res.status(200).end();
  };
}

function resetMailHandler(deps: AppDeps): Handler {
  return async (req, res) => {
    const query = parseFields(resetQuery, req.query);
    await sendResetMail(deps, query.email, clientAddress(req));
    res.status(200).end();
  };
}

function newPasswordHandler(deps: AppDeps): Handler {
  return async (req, res) => {
    const form = parseFields(newPasswordForm, req.body);
    await defineNewPassword(deps, {
      email: form.email,
      code: form.verification_code,
      newPassword: form.new_password,
      address: clientAddress(req),
    });
    res.status(200).end();
  };
}
