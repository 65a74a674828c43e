/**
 * Abuse limits kept in the database, so that every web process shares them (README
 * "Accounts"). A request is counted by inserting a hit, then counting the key's hits in
 * the window: because each request counts after its own insert, N requests racing on one
 * key cannot all see fewer than N hits, so no more than `limit` of them pass.
 *
 * Two kinds of use:
 * - hitRateLimits: every request counts (signups, reset emails, reset attempts), refused
 *   ones too.
 * - beginAttempt: only failures count (logins, reset codes). The hit is inserted before
 *   the check, as above, and removed again when the attempt is refused or turns out not
 *   to be a failure: refused requests do not extend a lock, and a key stops growing once
 *   over its limit.
 *
 * Every 429 says in `Retry-After` when the key will be under its limit again if nothing
 * more is counted.
 */
import { createHash } from 'node:crypto';
import { Types } from 'mongoose';
import type { Config } from '../../config';
import { AppError, type LimitPolicy } from '../../errors';
import type { Sweep } from '../../models/expiry';
import { RateHit } from '../../models/rateHit';
import { DAY_MS, MINUTE_MS } from '../../domain/time';

export interface RateRule {
  scope: string;
  /** 0 disables the rule. */
  limit: number;
  windowMs: number;
}

export type RateRuleName =
  | 'loginFailAccountAddress'
  | 'loginFailAddress'
  | 'loginFailAccount'
  | 'loginFailDevice'
  | 'loginFailPhone'
  | 'facebookLoginAddress'
  | 'signupAddress'
  | 'signupAccount'
  | 'resetMailAddress'
  | 'resetMailEmail'
  | 'newPasswordAddress'
  | 'newPasswordEmail'
  | 'wrongResetCodes';

const minutes = (m: number) => m * MINUTE_MS;

export function rateRules(config: Config): Record<RateRuleName, RateRule> {
  const login = minutes(config.LOGIN_LIMIT_WINDOW_MINUTES);
  const signup = minutes(config.SIGNUP_LIMIT_WINDOW_MINUTES);
  const reset = minutes(config.RESET_LIMIT_WINDOW_MINUTES);
  return {
    loginFailAccountAddress: {
      scope: 'login:fail:acct-addr',
      limit: config.LOGIN_FAILURES_PER_ACCOUNT_ADDRESS,
      windowMs: login,
    },
    loginFailAddress: { scope: 'login:fail:addr', limit: config.LOGIN_FAILURES_PER_ADDRESS, windowMs: login },
    loginFailAccount: { scope: 'login:fail:acct', limit: config.LOGIN_FAILURES_PER_ACCOUNT, windowMs: login },
    loginFailDevice: {
      scope: 'login:fail:device',
      limit: config.LOGIN_FAILURES_PER_ACCOUNT_ADDRESS,
      windowMs: login,
    },
    // The owner's phone (its stored push token): as many failures as the device cookie gets.
    loginFailPhone: {
      scope: 'login:fail:phone',
      limit: config.LOGIN_FAILURES_PER_ACCOUNT_ADDRESS,
      windowMs: login,
    },
    // A legacy Facebook login needs no secret: each counts like a failure of its address.
    facebookLoginAddress: {
      scope: 'login:fb:addr',
      limit: config.LOGIN_FAILURES_PER_ADDRESS,
      windowMs: login,
    },
    signupAddress: { scope: 'signup:addr', limit: config.SIGNUP_LIMIT_PER_ADDRESS, windowMs: signup },
    signupAccount: { scope: 'signup:acct', limit: config.SIGNUP_LIMIT_PER_ACCOUNT, windowMs: signup },
    resetMailAddress: { scope: 'reset:addr', limit: config.RESET_LIMIT_PER_ADDRESS, windowMs: reset },
    resetMailEmail: { scope: 'reset:email', limit: config.RESET_MAIL_LIMIT_PER_EMAIL, windowMs: reset },
    newPasswordAddress: { scope: 'newpw:addr', limit: config.RESET_LIMIT_PER_ADDRESS, windowMs: reset },
    newPasswordEmail: { scope: 'newpw:email', limit: config.NEW_PASSWORD_LIMIT_PER_EMAIL, windowMs: reset },
    wrongResetCodes: { scope: 'newpw:wrong', limit: config.RESET_WRONG_CODES_PER_DAY, windowMs: DAY_MS },
  };
}

/** The longest window: hits older than this count for nothing. */
export function longestRateWindowMs(config: Config): number {
  return Math.max(...Object.values(rateRules(config)).map((r) => r.windowMs));
}

/** Emails and addresses are stored hashed: the collection needs only equality. */
function keyOf(rule: RateRule, value: string): string {
  return `${rule.scope}:${createHash('sha256').update(value).digest('hex').slice(0, 32)}`;
}

/**
 * Counts one request against each (rule, value) and throws 429 when any is over its
 * limit. Refused requests count too, so hammering keeps the client refused.
 */
export async function hitRateLimits(
  config: Config,
  checks: [RateRuleName, string][],
  now: Date,
): Promise<void> {
  const rules = rateRules(config);
  const active = checks
    .map(([name, value]) => [rules[name], value] as const)
    .filter(([rule]) => rule.limit > 0);
  if (active.length === 0) return;
  const keys = active.map(([rule, value]) => keyOf(rule, value));
  await RateHit.insertMany(keys.map((key, i) => ({ key, at: now, until: untilOf(active[i]![0], now) })));
  const counts = await countHits(active.map(([rule], i) => ({ key: keys[i]!, since: sinceOf(rule, now) })));
  const over = active.flatMap(([rule], i) =>
    counts[i]! > rule.limit ? [{ rule, key: keys[i]!, left: counts[i]! }] : [],
  );
  if (over.length > 0) {
    throw AppError.tooManyRequests(
      undefined,
      await retryAfter(over, now),
      over.map((o) => policyOf(o.rule)),
    );
  }
}

export interface AttemptKey {
  rule: RateRule;
  value: string;
  /** Refuses this request when over its limit; a key that is not enforced only counts. */
  enforced: boolean;
}

/** An attempt counted by beginAttempt; exactly one of these ends it. */
export interface Attempt {
  /** It failed: its hits stay (except on keys already over their limit). */
  failed(): Promise<void>;
  /** It succeeded, or was never judged: its hits go. */
  discard(): Promise<void>;
}

/**
 * Counts an attempt whose outcome is not known yet (see the header): 429 when an enforced
 * key is already at its limit of failures, else the attempt, to be ended by its outcome.
 */
export async function beginAttempt(keys: AttemptKey[], now: Date): Promise<Attempt> {
  const active = keys.filter((k) => k.rule.limit > 0);
  const hits = active.map((k) => ({
    _id: new Types.ObjectId(),
    key: keyOf(k.rule, k.value),
    at: now,
    until: untilOf(k.rule, now),
  }));
  const remove = async (ids: Types.ObjectId[]) => {
    if (ids.length > 0) await RateHit.deleteMany({ _id: { $in: ids } });
  };
  if (hits.length === 0) return { failed: () => Promise.resolve(), discard: () => Promise.resolve() };
  await RateHit.insertMany(hits);
  const counts = await countHits(active.map((k, i) => ({ key: hits[i]!.key, since: sinceOf(k.rule, now) })));
  const over = active.map((k, i) => counts[i]! > k.rule.limit);
  const all = hits.map((h) => h._id);
  const refusing = active.flatMap((k, i) =>
    k.enforced && over[i] ? [{ rule: k.rule, key: hits[i]!.key, left: counts[i]! - 1 }] : [],
  );
  if (refusing.length > 0) {
    await remove(all);
    throw AppError.tooManyRequests(
      'too many failed attempts, try again later',
      await retryAfter(refusing, now),
      refusing.map((r) => policyOf(r.rule)),
    );
  }
  return {
    failed: () => remove(hits.filter((_, i) => over[i]).map((h) => h._id)),
    discard: () => remove(all),
  };
}

/**
 * The failures counted on one key in its window: for a key whose checks the caller
 * judges itself (the owner's phone, services/accounts/login), read before the check and
 * stored after a failure with recordFailure.
 */
export async function countFailures(rule: RateRule, value: string, now: Date): Promise<number> {
  return RateHit.countDocuments({ key: keyOf(rule, value), at: { $gt: sinceOf(rule, now) } });
}

export async function recordFailure(rule: RateRule, value: string, now: Date): Promise<void> {
  await RateHit.create({ key: keyOf(rule, value), at: now, until: untilOf(rule, now) });
}

/** The 429 of a key at its limit, with the Retry-After of its hits. */
export async function failureRefusal(rule: RateRule, value: string, now: Date): Promise<AppError> {
  const key = keyOf(rule, value);
  const left = await RateHit.countDocuments({ key, at: { $gt: sinceOf(rule, now) } });
  return AppError.tooManyRequests(
    'too many failed attempts, try again later',
    await retryAfter([{ rule, key, left }], now),
    [policyOf(rule)],
  );
}

/** A rule as the `RateLimit` headers of its 429 name it. */
const policyOf = (rule: RateRule): LimitPolicy => ({
  name: rule.scope,
  quota: rule.limit,
  windowSeconds: rule.windowMs / 1000,
});
const sinceOf = (rule: RateRule, now: Date) => new Date(now.getTime() - rule.windowMs);
const untilOf = (rule: RateRule, now: Date) => new Date(now.getTime() + rule.windowMs);

/**
 * Seconds until every key is under its limit again if nothing more is counted: a key with
 * `left` hits lets the next request through once `left - limit + 1` of them have left the
 * window, i.e. when its (left - limit)-th oldest hit (from 0) does.
 */
async function retryAfter(keys: { rule: RateRule; key: string; left: number }[], now: Date): Promise<number> {
  const waits = await Promise.all(
    keys.map(async ({ rule, key, left }) => {
      const hit = await RateHit.findOne({ key, at: { $gt: sinceOf(rule, now) } }, { at: 1 })
        .sort({ at: 1 })
        .skip(Math.max(0, left - rule.limit))
        .lean<{ at: Date }>();
      const until = hit ? hit.at.getTime() + rule.windowMs : now.getTime() + rule.windowMs;
      return (until - now.getTime()) / 1000;
    }),
  );
  return Math.max(1, Math.ceil(Math.max(...waits)));
}

/** Hits per key since its time; one round trip when the windows are the same (they are in pairs). */
async function countHits(windows: { key: string; since: Date }[]): Promise<number[]> {
  const since = windows[0]!.since.getTime();
  if (windows.some((w) => w.since.getTime() !== since)) {
    return Promise.all(windows.map((w) => RateHit.countDocuments({ key: w.key, at: { $gt: w.since } })));
  }
  const rows = await RateHit.aggregate<{ _id: string; n: number }>([
    { $match: { key: { $in: windows.map((w) => w.key) }, at: { $gt: new Date(since) } } },
    { $group: { _id: '$key', n: { $sum: 1 } } },
  ]);
  const byKey = new Map(rows.map((r) => [r._id, r.n]));
  return windows.map((w) => byKey.get(w.key) ?? 0);
}

/**
 * The worker's sweeps of hits whose window is over: by `until` (a TTL index does it on
 * MongoDB), and, everywhere, those written before `until` existed, which no TTL index sees.
 */
export function rateHitSweeps(config: Config): Sweep[] {
  return [
    {
      name: 'rate_hits',
      ttl: 'rate_hits.until',
      run: async (now) => (await RateHit.deleteMany({ until: { $lt: now } })).deletedCount,
    },
    {
      name: 'rate_hits_without_until',
      run: async (now) => {
        const before = new Date(now.getTime() - longestRateWindowMs(config));
        return (await RateHit.deleteMany({ at: { $lt: before } })).deletedCount;
      },
    },
  ];
}
