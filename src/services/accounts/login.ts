/**
 * Password login (../shared/CONTRACT.md §2, §3 login) and its limits, which slow guessing without
 * locking owners out (OWASP "device cookies"; README "Accounts"). Only failed attempts
 * count, on four keys (see rateLimit.beginAttempt):
 *   account + client address     LOGIN_FAILURES_PER_ACCOUNT_ADDRESS
 *   client address, any account  LOGIN_FAILURES_PER_ADDRESS
 *   account, any address         LOGIN_FAILURES_PER_ACCOUNT (the higher cap)
 *   account + device session     LOGIN_FAILURES_PER_ACCOUNT_ADDRESS
 * Every failure is counted on all of them; which ones can refuse depends on what the
 * request proves about its origin:
 *   - it carries a live session of this very account (the device cookie): only its own
 *     device key; failures elsewhere, even from its address, never block it;
 *   - it comes from an address group where the account has a live session (it logged in
 *     there recently): only the account + address key;
 *   - otherwise all three account and address keys.
 * Client addresses are groups (an IPv6 /64, domain/clientAddress).
 *
 * Every check costs one bcrypt comparison at the configured cost, whether the account is
 * real, legacy or unknown (services/passwords), so timing tells nothing about accounts.
 */
import { Types } from 'mongoose';
import type { AppDeps } from '../../deps';
import type { Config } from '../../config';
import { addressTag } from '../../domain/clientAddress';
import { constantTimeEqual } from '../../domain/password';
import { SessionRecord } from '../../models/session';
import { User } from '../../models/user';
import type { LoginUser } from './accounts';
import { comparedWithNothing, hashPassword, passwordMatches } from './passwords';
import { beginAttempt, hitRateLimits, rateRules, type AttemptKey } from './rateLimit';

export interface PasswordLoginInput {
  /** Normalised (domain/email). */
  email: string;
  password: string;
  /** The client address group (http/edge clientAddress). */
  address: string;
  /** The logged-in session the request carried, if any. */
  session?: { userId: string; id: string };
}

interface StoredCredentials {
  _id: Types.ObjectId;
  password?: string;
  legacy_password?: string;
  device?: { phone?: string };
  deleting_at?: Date;
}

type Origin = 'device' | 'known address' | 'unknown';

/**
 * The user when the password is right, else null; 429 over a limit, 503 when bcrypt is busy.
 * An account being deleted comes back flagged `deleting`: no login may start a session
 * for it, and only the account page uses the right password to finish its deletion.
 */
export async function passwordLogin(
  deps: Pick<AppDeps, 'config' | 'now'>,
  input: PasswordLoginInput,
): Promise<LoginUser | null> {
  const now = deps.now();
  const user = await User.findOne(
    { email: { $eq: input.email } },
    { password: 1, legacy_password: 1, 'device.phone': 1, deleting_at: 1 },
  )
    .select('+password +legacy_password')
    .lean<StoredCredentials>();
  const origin = await originOf(deps.config, user, input, now);
  const attempt = await beginAttempt(attemptKeys(deps.config, input, origin), now);
  let found: LoginUser | null;
  try {
    found = await checkPassword(deps.config, user, input.password);
  } catch (err) {
    await attempt.discard(); // not judged (bcrypt busy): no failure to count
    throw err;
  }
  await (found ? attempt.discard() : attempt.failed());
  return found;
}

async function originOf(
  config: Config,
  user: StoredCredentials | null,
  input: PasswordLoginInput,
  now: Date,
): Promise<Origin> {
  if (!user) return 'unknown';
  const userId = user._id.toHexString();
  if (input.session?.userId === userId) return 'device';
  const lifetimeMs = config.SESSION_MAX_AGE_DAYS * 24 * 3600_000;
  const known = await SessionRecord.exists({
    user_id: userId,
    login_addr: addressTag(input.address),
    login_at: { $gt: new Date(now.getTime() - lifetimeMs) },
  });
  return known ? 'known address' : 'unknown';
}

function attemptKeys(config: Config, input: PasswordLoginInput, origin: Origin): AttemptKey[] {
  const rules = rateRules(config);
  const keys: AttemptKey[] = [
    {
      rule: rules.loginFailAccountAddress,
      value: `${input.email} ${input.address}`,
      enforced: origin !== 'device',
    },
    { rule: rules.loginFailAddress, value: input.address, enforced: origin === 'unknown' },
    { rule: rules.loginFailAccount, value: input.email, enforced: origin === 'unknown' },
  ];
  if (origin === 'device' && input.session) {
    keys.push({ rule: rules.loginFailDevice, value: `${input.email} ${input.session.id}`, enforced: true });
  }
  return keys;
}

/** One bcrypt comparison whatever the account; a legacy password gets its bcrypt hash here. */
async function checkPassword(
  config: Config,
  user: StoredCredentials | null,
  password: string,
): Promise<LoginUser | null> {
  if (!user?.password) {
    // Unknown, legacy (raw hex, compared in constant time below) or password-less accounts.
    await comparedWithNothing(config, password);
    if (!user?.legacy_password || !constantTimeEqual(password, user.legacy_password)) return null;
  } else if (!(await passwordMatches(config, password, user.password))) {
    return null;
  }
  const found: LoginUser = {
    id: user._id.toHexString(),
    hasDevice: !!user.device?.phone,
    ...(user.deleting_at ? { deleting: true } : {}),
  };
  if (user.password) return found;
  return { ...found, upgradedPassword: await hashPassword(config, password) };
}

/** A legacy Facebook login proves nothing: each counts against its address like a failure. */
export function hitFacebookLoginLimit(deps: Pick<AppDeps, 'config' | 'now'>, address: string): Promise<void> {
  return hitRateLimits(deps.config, [['facebookLoginAddress', address]], deps.now());
}
