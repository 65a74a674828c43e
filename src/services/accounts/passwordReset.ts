/**
 * Password reset by emailed code (../shared/CONTRACT.md §3 send_reset_mail, define_new_password).
 *
 * Rules: a code of RESET_CODE_LENGTH characters A–Z0–9 from the system CSPRNG; stored as
 * an HMAC keyed with SESSION_SECRET; only the user's newest code counts; it expires after
 * RESET_CODE_TTL_MINUTES; it is used at most once; it dies after RESET_CODE_MAX_ATTEMPTS
 * attempts. It never appears in a response or a log line, only in the email.
 *
 * Each wrong code also counts against the account's daily cap (RESET_WRONG_CODES_PER_DAY,
 * over all its codes), so that asking for new codes does not buy new guesses.
 *
 * Races are decided by inserts (README "Databases"): each attempt inserts a document and
 * then counts the attempts, so concurrent guesses cannot all slip under the limit; the
 * one use inserts `${code_id}:use`, which a second use cannot insert again.
 *
 * A successful reset ends every session of the user (by the indexed `user_id` of the
 * session documents, models/session) and emails "your password was changed".
 */
import { randomInt, randomUUID } from 'node:crypto';
import { Types } from 'mongoose';
import type { Config } from '../../config';
import { isDuplicateKey } from '../../db/writeErrors';
import { emailLanguage } from '../../domain/language';
import { generateResetCode, hashResetCode, resetCodeMatches } from '../../domain/resetCode';
import { AppError } from '../../errors';
import type { Sweep } from '../../models/expiry';
import { ResetAttempt, ResetCode } from '../../models/resetCode';
import { SessionRecord } from '../../models/session';
import { User } from '../../models/user';
import type { AccountDeps } from './accounts';
import { sendAccountMail } from './mail';
import { hashPassword } from './passwords';
import { beginAttempt, hitRateLimits, rateRules } from './rateLimit';
import { verifiedLoginsOf } from './login';

function pepper(config: Config): string {
  return `reset-code:${config.SESSION_SECRET}`;
}

const wrongCode = () => AppError.notAcceptable('wrong, used or expired verification code');

/** Emails a new code to the account (406 when the email has none). */
export async function sendResetMail(deps: AccountDeps, email: string, address: string): Promise<void> {
  const now = deps.now();
  await hitRateLimits(
    deps.config,
    [
      ['resetMailAddress', address],
      ['resetMailEmail', email],
    ],
    now,
  );
  const user = await User.findOne({ email: { $eq: email } }, { email: 1, country_code: 1 }).lean();
  if (!user) throw AppError.notAcceptable('no account with this email');
  const _id = new Types.ObjectId();
  const code = generateResetCode(deps.config.RESET_CODE_LENGTH, randomInt);
  const ttlMinutes = deps.config.RESET_CODE_TTL_MINUTES;
  await ResetCode.create({
    _id,
    user_id: user._id,
    code_hash: hashResetCode(pepper(deps.config), _id.toHexString(), code),
    created_at: now,
    expires_at: new Date(now.getTime() + ttlMinutes * 60_000),
  });
  void sendAccountMail(deps, 'reset', emailLanguage(user.country_code), user.email, {
    email: user.email,
    code,
    minutes: String(ttlMinutes),
  });
}

export interface NewPasswordInput {
  email: string;
  code: string;
  newPassword: string;
  address: string;
}

/** Counts this attempt, then says whether it is within the code's attempt limit. */
async function attemptAllowed(config: Config, codeId: Types.ObjectId, now: Date): Promise<boolean> {
  await ResetAttempt.create({
    _id: `${codeId.toHexString()}:attempt:${randomUUID()}`,
    code_id: codeId,
    kind: 'attempt',
    at: now,
  });
  const attempts = await ResetAttempt.countDocuments({ code_id: codeId, kind: 'attempt' });
  return attempts <= config.RESET_CODE_MAX_ATTEMPTS;
}

/** Uses the code once (inserting its use), else 406. */
async function useCode(codeId: Types.ObjectId, now: Date): Promise<void> {
  try {
    await ResetAttempt.create({ _id: `${codeId.toHexString()}:use`, code_id: codeId, kind: 'use', at: now });
  } catch (err) {
    if (isDuplicateKey(err)) throw wrongCode();
    throw err;
  }
}

/**
 * 401 unknown email; 429 over the daily cap of wrong codes; 406 wrong, used, expired or
 * exhausted code; else sets the password, ends every session of the user and tells them.
 */
export async function defineNewPassword(deps: AccountDeps, input: NewPasswordInput): Promise<void> {
  const now = deps.now();
  await hitRateLimits(
    deps.config,
    [
      ['newPasswordAddress', input.address],
      ['newPasswordEmail', input.email],
    ],
    now,
  );
  const user = await User.findOne({ email: { $eq: input.email } }, { email: 1, country_code: 1 }).lean();
  if (!user) throw AppError.unauthorized('no account with this email');
  const userId = user._id.toHexString();
  const wrongCodes = rateRules(deps.config).wrongResetCodes;
  const attempt = await beginAttempt([{ rule: wrongCodes, value: userId, enforced: true }], now);
  let password: string;
  try {
    password = await checkedNewPassword(deps, user._id, input, now);
  } catch (err) {
    await (err instanceof AppError && err.status === 406 ? attempt.failed() : attempt.discard());
    throw err;
  }
  await attempt.discard();
  await User.updateOne({ _id: user._id }, { $set: { password }, $unset: { legacy_password: 1 } });
  // Other processes stop matching the old password with the hash; this one forgets it now.
  verifiedLoginsOf(deps.config).forget(userId);
  const ended = await SessionRecord.deleteMany({ user_id: userId });
  deps.logger.info({ userId, sessionsEnded: ended.deletedCount }, 'password reset');
  void sendAccountMail(deps, 'password_changed', emailLanguage(user.country_code), user.email, {
    email: user.email,
  });
}

/**
 * The bcrypt hash of the new password once the code is found right and used (406
 * otherwise). The hash comes before the use: a busy bcrypt (503) leaves the code usable.
 */
async function checkedNewPassword(
  deps: AccountDeps,
  userId: Types.ObjectId,
  input: NewPasswordInput,
  now: Date,
): Promise<string> {
  const code = await ResetCode.findOne({ user_id: userId })
    .sort({ created_at: -1, _id: -1 })
    .select('+code_hash')
    .lean();
  if (!code || code.expires_at.getTime() <= now.getTime()) throw wrongCode();
  if (!(await attemptAllowed(deps.config, code._id, now))) throw wrongCode();
  if (!resetCodeMatches(pepper(deps.config), code._id.toHexString(), input.code, code.code_hash))
    throw wrongCode();
  const password = await hashPassword(deps.config, userId.toHexString(), input.newPassword);
  await useCode(code._id, now);
  return password;
}

/** The worker's sweeps of expired codes and their attempts (TTL indexes on MongoDB). */
export function resetCodeSweeps(config: Config): Sweep[] {
  return [
    {
      name: 'reset_codes',
      ttl: 'reset_codes.expires_at',
      run: async (now) => (await ResetCode.deleteMany({ expires_at: { $lt: now } })).deletedCount,
    },
    {
      // An attempt older than the code lifetime belongs to a code that has expired.
      name: 'reset_attempts',
      ttl: 'reset_attempts.at',
      run: async (now) => {
        const before = new Date(now.getTime() - config.RESET_CODE_TTL_MINUTES * 60_000);
        return (await ResetAttempt.deleteMany({ at: { $lt: before } })).deletedCount;
      },
    },
  ];
}
