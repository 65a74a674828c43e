/**
 * Abuse limits kept in the database, so that every web process shares them (README
 * "Accounts"). A request is counted by inserting a hit, then counting the key's hits in
 * the window: because each request counts after its own insert, N requests racing on one
 * key cannot all see fewer than N hits, so no more than `limit` of them pass.
 */
import { createHash } from 'node:crypto';
import type { Config } from '../config';
import { AppError } from '../http/errors';
import { RateHit } from '../models/rateHit';

export interface RateRule {
  scope: string;
  /** 0 disables the rule. */
  limit: number;
  windowMs: number;
}

export type RateRuleName =
  | 'loginAddress'
  | 'loginAccount'
  | 'signupAddress'
  | 'signupAccount'
  | 'resetMailAddress'
  | 'resetMailEmail'
  | 'newPasswordAddress'
  | 'newPasswordEmail';

const minutes = (m: number) => m * 60_000;

export function rateRules(config: Config): Record<RateRuleName, RateRule> {
  const login = minutes(config.LOGIN_LIMIT_WINDOW_MINUTES);
  const signup = minutes(config.SIGNUP_LIMIT_WINDOW_MINUTES);
  const reset = minutes(config.RESET_LIMIT_WINDOW_MINUTES);
  return {
    loginAddress: { scope: 'login:addr', limit: config.LOGIN_LIMIT_PER_ADDRESS, windowMs: login },
    loginAccount: { scope: 'login:acct', limit: config.LOGIN_LIMIT_PER_ACCOUNT, windowMs: login },
    signupAddress: { scope: 'signup:addr', limit: config.SIGNUP_LIMIT_PER_ADDRESS, windowMs: signup },
    signupAccount: { scope: 'signup:acct', limit: config.SIGNUP_LIMIT_PER_ACCOUNT, windowMs: signup },
    resetMailAddress: { scope: 'reset:addr', limit: config.RESET_LIMIT_PER_ADDRESS, windowMs: reset },
    resetMailEmail: { scope: 'reset:email', limit: config.RESET_MAIL_LIMIT_PER_EMAIL, windowMs: reset },
    newPasswordAddress: { scope: 'newpw:addr', limit: config.RESET_LIMIT_PER_ADDRESS, windowMs: reset },
    newPasswordEmail: { scope: 'newpw:email', limit: config.NEW_PASSWORD_LIMIT_PER_EMAIL, windowMs: reset },
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
export async function hitRateLimits(checks: [RateRule, string][], now: Date): Promise<void> {
  const active = checks.filter(([rule]) => rule.limit > 0);
  if (active.length === 0) return;
  const keys = active.map(([rule, value]) => keyOf(rule, value));
  await RateHit.insertMany(keys.map((key) => ({ key, at: now })));
  const counts = await countHits(
    active.map(([rule], i) => ({ key: keys[i]!, since: new Date(now.getTime() - rule.windowMs) })),
  );
  if (active.some(([rule], i) => counts[i]! > rule.limit)) throw AppError.tooManyRequests();
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

/** Deletes hits older than every window; the worker runs it periodically. */
export async function cleanupRateHits(config: Config, now: Date): Promise<number> {
  const res = await RateHit.deleteMany({
    at: { $lt: new Date(now.getTime() - longestRateWindowMs(config)) },
  });
  return res.deletedCount;
}
