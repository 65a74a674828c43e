/**
 * Per-user daily quotas (README "Limits"): messages stored, pushes caused and numbers looked
 * up, per UTC day, shared by every web process. A request inserts one hit carrying its
 * amounts, then sums the user's hits of the day; over a quota it deletes its hit again and
 * answers 429 with Retry-After (the seconds until UTC midnight).
 *
 * Exactness: on MongoDB and on the embedded database alike, what is admitted in a day never
 * exceeds a quota, also when requests race: each sums after its own insert, so of two racers
 * the later-inserted sees the other's hit. The price is on the refusing side: racers that
 * would together go over may both be refused, and a refused request's hit counts for others
 * until it is deleted. A crash between the insert and a refund leaves the hit counted: the
 * quota can be undercounted in the user's disfavour, never overrun.
 */
import type { Types } from 'mongoose';
import type { Config } from '../config';
import {
  QUOTA_KINDS,
  exceededQuota,
  quotaDay,
  secondsUntilNextDay,
  type QuotaAmounts,
  type QuotaKind,
} from '../domain/quota';
import { AppError } from '../http/errors';
import { QuotaHit } from '../models/quotaHit';

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

async function dayTotal(userId: Types.ObjectId, day: number): Promise<QuotaAmounts | undefined> {
  const [total] = await QuotaHit.aggregate<QuotaAmounts>([
    { $match: { user_id: userId, day } },
    {
      $group: {
        _id: null,
        messages: { $sum: '$messages' },
        pushes: { $sum: '$pushes' },
        lookups: { $sum: '$lookups' },
      },
    },
  ]);
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
  if (!QUOTA_KINDS.some((k) => limits[k] > 0 && used[k] > 0)) return NO_CHARGE;
  const day = quotaDay(now);
  const [hit] = await QuotaHit.insertMany([{ user_id: userId, day, ...used }]);
  const charge: QuotaCharge = {
    refund: async () => {
      await QuotaHit.deleteOne({ _id: hit!._id });
    },
  };
  const over = exceededQuota(used, (await dayTotal(userId, day)) ?? used, limits);
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
