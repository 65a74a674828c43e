/**
 * Accounts: signup, what login records and answers (../shared/CONTRACT.md §3); the password check
 * and its limits are in login.ts. Passwords are the SHA-256 hex the apps send; only a
 * bcrypt hash of it is stored. An account imported from the original server may carry
 * that hex as legacy_password until its next successful login replaces it with a bcrypt
 * hash.
 */
import { Types } from 'mongoose';
import type { AppDeps } from '../../deps';
import type { Config } from '../../config';
import { isDuplicateKey } from '../../db/writeErrors';
import { emailLanguage } from '../../domain/language';
import { AppError } from '../../errors';
import { User } from '../../models/user';
import type { LoginValues } from '../../shapes';
import { sendAccountMail } from './mail';
import { hashPassword } from './passwords';
import { hitRateLimits } from './rateLimit';

export type AccountDeps = Pick<AppDeps, 'config' | 'logger' | 'mailer' | 'now'>;

export interface SignupInput {
  /** Normalised (domain/email). */
  email: string;
  password: string;
  /** Lower-case ISO code; the contract's default is `us`. */
  countryCode: string;
  /** The client address, for the rate limit. */
  address: string;
}

/** Creates the account (406 when the email is taken) and sends the welcome email. */
export async function signup(deps: AccountDeps, input: SignupInput): Promise<void> {
  const now = deps.now();
  await hitRateLimits(
    deps.config,
    [
      ['signupAddress', input.address],
      ['signupAccount', input.email],
    ],
    now,
  );
  // Cheap early answer; the unique index below is what decides a race.
  if (await User.exists({ email: { $eq: input.email } })) throw AppError.notAcceptable('email already used');
  const password = await hashPassword(deps.config, input.email, input.password);
  try {
    await User.create({ email: input.email, password, country_code: input.countryCode, created_at: now });
  } catch (err) {
    if (isDuplicateKey(err)) throw AppError.notAcceptable('email already used');
    throw err;
  }
  void sendAccountMail(deps, 'welcome', emailLanguage(input.countryCode), input.email, {
    email: input.email,
  });
}

/** A user whose credentials were accepted, with what recordLogin needs to write in one update. */
export interface LoginUser {
  id: string;
  /** The user has a current device (created with its phone number; never removed). */
  hasDevice: boolean;
  /** A bcrypt hash replacing the legacy password that was just accepted. */
  upgradedPassword?: string;
  /** The account is being deleted (services/privacy/deletion.ts): never logged in. */
  deleting?: boolean;
  /** What the account holds now, when the login read it: an unchanged login writes nothing. */
  recorded?: {
    os?: string;
    regId?: string;
    appVersion?: string;
    countryCode?: string;
    lastLogin?: Date;
  };
}

/** A login that changes nothing rewrites last_login only once it is older than this. */
export const LAST_LOGIN_PRECISION_MS = 3600_000;

export interface LoginDevice {
  os: string;
  regId: string;
  appVersion?: string;
  countryCode?: string;
}

/**
 * After a successful login, in one update: last-login time, country, the current device's
 * fields (only a device that exists: it is created with its phone number), and the bcrypt
 * hash of an accepted legacy password. Nothing when nothing would change but a last-login
 * time less than LAST_LOGIN_PRECISION_MS old (a phone woken by a push logs in each time).
 */
export async function recordLogin(
  deps: Pick<AccountDeps, 'now' | 'logger'>,
  user: LoginUser,
  d: LoginDevice,
): Promise<void> {
  const set: Record<string, unknown> = { last_login: deps.now() };
  if (d.countryCode) set.country_code = d.countryCode;
  if (user.hasDevice) {
    set['device.os'] = d.os;
    set['device.reg_id'] = d.regId;
    if (d.appVersion !== undefined) set['device.app_version'] = d.appVersion;
  }
  if (user.upgradedPassword) set.password = user.upgradedPassword;
  if (unchanged(user, set, deps.now())) return;
  const unset = user.upgradedPassword ? { $unset: { legacy_password: 1 } } : {};
  await User.updateOne({ _id: new Types.ObjectId(user.id) }, { $set: set, ...unset });
  if (user.upgradedPassword) deps.logger.info({ userId: user.id }, 'legacy password upgraded to bcrypt');
}

function unchanged(user: LoginUser, set: Record<string, unknown>, now: Date): boolean {
  const r = user.recorded;
  if (!r?.lastLogin || now.getTime() - r.lastLogin.getTime() >= LAST_LOGIN_PRECISION_MS) return false;
  const held: Record<string, unknown> = {
    country_code: r.countryCode,
    'device.os': r.os,
    'device.reg_id': r.regId,
    'device.app_version': r.appVersion,
  };
  return Object.keys(set).every((k) => k === 'last_login' || set[k] === held[k]);
}

/**
 * The login answer (src/shapes.ts): every value a string, or the apps crash
 * (../shared/CONTRACT.md §3 login).
 */
export function loginValues(config: Config, userId: string): LoginValues {
  return {
    user_id: userId,
    web_app_url: config.PUBLIC_URL,
    ios_version_needed: config.IOS_VERSION_NEEDED,
    android_version_needed: config.ANDROID_VERSION_NEEDED,
    force_update: config.FORCE_UPDATE,
    amazon_app_id: config.AMAZON_APP_ID,
    aws_account_id: config.AWS_ACCOUNT_ID,
    cognito_pool_id: config.COGNITO_POOL_ID,
    cognito_role_unauth: config.COGNITO_ROLE_UNAUTH,
    cognito_role_auth: config.COGNITO_ROLE_AUTH,
    bucket_name: config.S3_BUCKET_NAME,
    cloudfront: config.CLOUDFRONT_URL,
    android_update_link: config.ANDROID_UPDATE_LINK,
    ios_update_link: config.IOS_UPDATE_LINK,
  };
}
