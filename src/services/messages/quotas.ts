/**
 * Per-user daily quotas (README "Limits"): messages stored, pushes caused and numbers looked
 * up, per UTC day, shared by every web process. A request inserts one hit per quota it
 * uses, carrying the amount (one insert whatever the amounts), then sums the user's hits of
 * the day by quota; over one it deletes its hits again and answers 429 with Retry-After
 * (the seconds until UTC midnight).
 *
 * Exactness: on MongoDB and on the embedded database alike, what is admitted in a day never
 * exceeds a quota, also when requests race: each sums after its own insert, so of two racers
 * the later-inserted sees the other's hit. The price is on the refusing side: racers that
 * would together go over may both be refused, and a refused request's hit counts for others
 * until it is deleted. A crash between the insert and a refund leaves the hit counted: the
 * quota can be undercounted in the user's disfavour, never overrun.
 */
import type { Types } from 'mongoose';
import type { Config } from '../../config';
import {
  QUOTA_KINDS,
  exceededQuota,
  quotaDay,
  secondsUntilNextDay,
  type QuotaAmounts,
  type QuotaKind,
} from '../../domain/quota';
import { AppError } from '../../errors';
import { QuotaHit } from '../../models/quotaHit';

export function quotaLimits(config: Config): QuotaAmounts {
  return {
    messages: config.MESSAGES_PER_DAY,
    pushes: config.PUSHES_PER_DAY,
    lookups: config.CONTACT_LOOKUPS_PER_DAY,
  };
}

const NAMES: Record<QuotaKind, string> = {
  messages: 'messages',
  pushes: 'pushes',
  lookups: 'contact lookups',
};

/** Gives a charged request's share back (its work failed after the charge). */
export interface QuotaCharge {
  refund(): Promise<void>;
}

const NO_CHARGE: QuotaCharge = { refund: () => Promise.resolve() };

async function dayTotal(userId: Types.ObjectId, day: number): Promise<QuotaAmounts> {
  const rows = await QuotaHit.aggregate<{ _id: QuotaKind; n: number }>([
    { $match: { user_id: userId, day } },
    { $group: { _id: '$kind', n: { $sum: '$amount' } } },
  ]);
  const total: QuotaAmounts = { messages: 0, pushes: 0, lookups: 0 };
  for (const r of rows) if (QUOTA_KINDS.includes(r._id)) total[r._id] = r.n;
  return total;
}

/** Counts `use` against the user's quotas of the day; 429 when the day's total goes over one. */
export async function chargeDailyQuotas(
  config: Config,
  userId: Types.ObjectId,
  use: Partial<QuotaAmounts>,
  now: Date,
): Promise<QuotaCharge> {
  const limits = quotaLimits(config);
  const used: QuotaAmounts = { messages: 0, pushes: 0, lookups: 0, ...use };
  const counted = QUOTA_KINDS.filter((k) => limits[k] > 0 && used[k] > 0);
  if (counted.length === 0) return NO_CHARGE;
  const day = quotaDay(now);
  const hits = await QuotaHit.insertMany(
    counted.map((kind) => ({ user_id: userId, day, kind, amount: used[kind] })),
  );
  const charge: QuotaCharge = {
    refund: async () => {
      await QuotaHit.deleteMany({ _id: { $in: hits.map((h) => h._id) } });
    },
  };
  const over = exceededQuota(used, await dayTotal(userId, day), limits);
  if (!over) return charge;
  await charge.refund();
  throw AppError.tooManyRequests(
    `daily limit of ${limits[over]} ${NAMES[over]} reached; try again after midnight UTC`,
    secondsUntilNextDay(now),
  );
}

/** Deletes the hits of the days before yesterday; the worker's cleanup job runs it. */
export async function cleanupQuotaHits(now: Date): Promise<number> {
  const res = await QuotaHit.deleteMany({ day: { $lt: quotaDay(now) - 1 } });
  return res.deletedCount;
}
