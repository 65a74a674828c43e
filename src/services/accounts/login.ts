/**
 * Password login (../shared/CONTRACT.md §2, §3 login) and its limits, which slow guessing without
 * locking owners out (OWASP "device cookies"; README "Accounts"). Only failed attempts
 * count. Which keys can refuse depends on what the request proves about its origin:
 *   - it carries a live session of this very account (the device cookie): only its own
 *     device key (account + session);
 *   - it carries the push token stored for the account (`reg_id`): the owner's phone,
 *     which Android never sends a cookie from at login: only its own key (account + token);
 *   - it comes from an address group where the account has a live session (it logged in
 *     there recently): only the account + address key;
 *   - otherwise the account + address, address and account keys.
 * Client addresses are groups (an IPv6 /64, domain/clientAddress).
 *
 * The limits come first, always. Then a password this process verified recently lets the
 * account in without bcrypt (services/accounts/verifiedLogins); otherwise every check costs
 * one bcrypt comparison at the configured cost, whether the account is real, legacy or
 * unknown (services/accounts/passwords), so timing tells nothing about accounts. (Were the
 * memory asked before the limits, a locked account would still answer its right password:
 * guessing would go on at the speed of an HMAC.)
 *
 * What a successful login of a known phone costs (README "The wake-up wave"): the user
 * read, the failure count of its key (not when remembered), the session write, and the
 * login record when something changed (services/accounts/accounts recordLogin).
 */
import { Types } from 'mongoose';
import type { AppDeps } from '../../deps';
import type { Config } from '../../config';
import { addressTag } from '../../domain/clientAddress';
import { SessionRecord } from '../../models/session';
import { User } from '../../models/user';
import type { LoginUser } from './accounts';
import { hashPassword, passwordTask, storedPasswordMatches } from './passwords';
import { loginLoad } from './loginLoad';
import { PhoneFailures } from './phoneFailures';
import {
  beginAttempt,
  countFailures,
  failureRefusal,
  hitRateLimits,
  rateRules,
  recordFailure,
  type AttemptKey,
} from './rateLimit';
import { VerifiedLogins, type VerifiedState } from './verifiedLogins';

export interface PasswordLoginInput {
  /** Normalised (domain/email). */
  email: string;
  password: string;
  /** The client address group (http/edge clientAddress). */
  address: string;
  /** The logged-in session the request carried, if any. */
  session?: { userId: string; id: string };
  /** The push token the login carries (domain/phone normaliseRegId); '' for none. */
  regId: string;
}

interface StoredCredentials {
  _id: Types.ObjectId;
  password?: string;
  legacy_password?: string;
  device?: { phone?: string; os?: string; reg_id?: string; app_version?: string };
  country_code?: string;
  last_login?: Date;
  deleting_at?: Date;
  sessions_revoked_at?: Date;
  phone_failed_at?: Date;
}

type Origin = 'device' | 'owner phone' | 'known address' | 'unknown';

/** One `make(config)` per configuration, i.e. per app (tests build several in a process). */
function perApp<T extends object>(make: (config: Config) => T): (config: Config) => T {
  const made = new WeakMap<Config, T>();
  return (config) => {
    let value = made.get(config);
    if (!value) made.set(config, (value = make(config)));
    return value;
  };
}

/** This app's memory of verified passwords. */
export const verifiedLoginsOf = perApp(
  (config) => new VerifiedLogins(config.LOGIN_MEMORY_ENTRIES, config.LOGIN_MEMORY_MINUTES * 60_000),
);

const phoneFailuresOf = perApp((config) => new PhoneFailures(config.LOGIN_LIMIT_WINDOW_MINUTES * 60_000));

const PROJECTION = {
  password: 1,
  legacy_password: 1,
  device: 1,
  country_code: 1,
  last_login: 1,
  deleting_at: 1,
  sessions_revoked_at: 1,
  phone_failed_at: 1,
};

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
  const user = await User.findOne({ email: { $eq: input.email } }, PROJECTION)
    .select('+password +legacy_password')
    .lean<StoredCredentials>();
  const memory = verifiedLoginsOf(deps.config);
  const state = user ? verifiedState(user) : undefined;
  let fromMemory = false;
  const remembered = () => (fromMemory = !!state && memory.has(state, input.password, now.getTime()));
  const origin = await originOf(deps.config, user, input, now);
  const found =
    origin === 'owner phone'
      ? await ownerPhoneLogin(deps.config, user!, input, remembered, now)
      : await limitedLogin(deps.config, user, input, { origin, remembered }, now);
  loginLoad.observe(!fromMemory);
  if (found && state && !found.upgradedPassword) memory.remember(state, input.password, now.getTime());
  return found;
}

function verifiedState(user: StoredCredentials): VerifiedState | undefined {
  const storedHash = user.password ?? user.legacy_password;
  if (!storedHash) return undefined;
  return { userId: user._id.toHexString(), storedHash, revokedAt: user.sessions_revoked_at };
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
  if (input.regId !== '' && input.regId === user.device?.reg_id) return 'owner phone';
  const lifetimeMs = config.SESSION_MAX_AGE_DAYS * 24 * 3600_000;
  const known = await SessionRecord.exists({
    user_id: userId,
    login_addr: addressTag(input.address),
    login_at: { $gt: new Date(now.getTime() - lifetimeMs) },
  });
  return known ? 'known address' : 'unknown';
}

/** Every origin but the owner's phone: failures counted before the check (rateLimit). */
async function limitedLogin(
  config: Config,
  user: StoredCredentials | null,
  input: PasswordLoginInput,
  o: { origin: Origin; remembered: () => boolean },
  now: Date,
): Promise<LoginUser | null> {
  const attempt = await beginAttempt(attemptKeys(config, input, o.origin), now);
  let found: LoginUser | null;
  try {
    found = o.remembered() ? loginUser(user!) : await checkPassword(config, user, input);
  } catch (err) {
    await attempt.discard(); // not judged (bcrypt busy): no failure to count
    throw err;
  }
  await (found ? attempt.discard() : attempt.failed());
  return found;
}

/**
 * The owner's phone: one key, account + token. Its failures are read before the queue
 * (only when the user read shows one within the window: a phone's login then costs no
 * count) and judged again in the account's turn, where this process's failures since that
 * read are added (the queue never runs two checks of one account at once), so no two
 * checks of this process pass on one count; the failure and its mark are stored after.
 */
async function ownerPhoneLogin(
  config: Config,
  user: StoredCredentials,
  input: PasswordLoginInput,
  remembered: () => boolean,
  now: Date,
): Promise<LoginUser | null> {
  const rule = rateRules(config).loginFailPhone;
  const value = `${user._id.toHexString()} ${input.regId}`;
  const failures = phoneFailuresOf(config);
  const readAt = Date.now();
  const failedLately =
    !!user.phone_failed_at && now.getTime() - user.phone_failed_at.getTime() < rule.windowMs;
  const counted = rule.limit > 0 && failedLately ? await countFailures(rule, value, now) : 0;
  const over = () => rule.limit > 0 && counted + failures.since(value, readAt) >= rule.limit;
  if (over()) throw await failureRefusal(rule, value, now);
  if (remembered()) return loginUser(user);
  let refused = false;
  const matched = await passwordTask(config, input.email, async () => {
    if (over()) {
      refused = true;
      return false;
    }
    const ok = await storedPasswordMatches(config.BCRYPT_COST, input.password, user);
    if (!ok) failures.add(value, Date.now());
    return ok;
  });
  if (refused) throw await failureRefusal(rule, value, now);
  if (!matched) {
    if (rule.limit > 0) {
      await recordFailure(rule, value, now);
      await User.updateOne({ _id: user._id }, { $set: { phone_failed_at: now } });
    }
    return null;
  }
  return withUpgrade(config, user, input);
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
  input: PasswordLoginInput,
): Promise<LoginUser | null> {
  const matched = await passwordTask(config, input.email, () =>
    storedPasswordMatches(config.BCRYPT_COST, input.password, user),
  );
  return matched ? withUpgrade(config, user!, input) : null;
}

/** The logged-in user; a legacy password gets its bcrypt hash here. */
async function withUpgrade(
  config: Config,
  user: StoredCredentials,
  input: PasswordLoginInput,
): Promise<LoginUser> {
  const found = loginUser(user);
  if (user.password) return found;
  return { ...found, upgradedPassword: await hashPassword(config, input.email, input.password) };
}

function loginUser(user: StoredCredentials): LoginUser {
  return {
    id: user._id.toHexString(),
    hasDevice: !!user.device?.phone,
    ...(user.deleting_at ? { deleting: true } : {}),
    recorded: {
      os: user.device?.os,
      regId: user.device?.reg_id,
      appVersion: user.device?.app_version,
      countryCode: user.country_code,
      lastLogin: user.last_login,
    },
  };
}

/** A legacy Facebook login proves nothing: each counts against its address like a failure. */
export function hitFacebookLoginLimit(deps: Pick<AppDeps, 'config' | 'now'>, address: string): Promise<void> {
  return hitRateLimits(deps.config, [['facebookLoginAddress', address]], deps.now());
}
