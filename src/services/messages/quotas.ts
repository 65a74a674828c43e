/**
 * Per-user daily quotas (README "Limits"): messages stored, pushes caused and numbers looked
 * up, per UTC day, shared by every web process. A request takes the next number of the
 * user's day: it reads the day's hits (c of them), inserts its hit, carrying all its amounts, at
 * `_id` `${user}:${day}:${c}` and, on a duplicate key, at c+1, c+2… Then it sums the hits
 * numbered up to its own; over a quota it zeroes its amounts (a refund) and answers 429 with
 * Retry-After (the seconds until UTC midnight). Read, insert, read: three commands; a request
 * already over a quota by the hits there is refused after the first read, writing nothing.
 *
 * Why never over a quota, also when requests race, on MongoDB and on the embedded database
 * alike (whose only atomic write is a unique insert): a hit is inserted at number s only
 * once 0..s-1 exist (the count saw that many, the duplicates the rest), and no hit leaves
 * the day (a refund rewrites only its own amounts, and reading the old, larger value is
 * conservative), so the numbers are dense and the read after one's own insert sees every
 * hit numbered before it. Of the requests admitted on a quota, the one numbered last summed
 * all the others, so together they fit. Why not all racers refused: the lowest-numbered
 * sums only hits that came before, so it is admitted whenever it fits alone. A refused
 * request may still count for a later one until its refund lands, and a crash between the
 * insert and a refund leaves the hit counted: the error is in the user's disfavour.
 */
import type { Types } from 'mongoose';
import type { Config } from '../../config';
import { ONE_BATCH } from '../../db/queries';
import { insertIfAbsent } from '../../db/writeErrors';
import {
  QUOTA_KINDS,
  exceededQuota,
  quotaDay,
  secondsUntilNextDay,
  type QuotaAmounts,
  type QuotaKind,
} from '../../domain/quota';
import { AppError } from '../../errors';
import { QuotaHit, quotaHitId } from '../../models/quotaHit';

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

/** Numbers tried after the count: each lost one is a request of the same user inserted meanwhile. */
const MAX_TRIES = 64;

/** Gives a charged request's share back (its work failed after the charge). */
export interface QuotaCharge {
  refund(): Promise<void>;
}

const NO_CHARGE: QuotaCharge = { refund: () => Promise.resolve() };

/** Inserts the hit at the day's next free number from `first` on and returns that number. */
async function insertNextHit(
  userId: Types.ObjectId,
  day: number,
  first: number,
  amounts: QuotaAmounts,
): Promise<number> {
  for (let seq = first; seq < first + MAX_TRIES; seq++) {
    const hit = { _id: quotaHitId(userId, day, seq), user_id: userId, day, seq, ...amounts };
    if (await insertIfAbsent(QuotaHit.collection, hit as never)) return seq;
  }
  // Nothing was inserted, so nothing is charged: only a flood of one user's requests gets here.
  throw AppError.tooManyRequests('too many requests at once, try again in a moment', 1);
}

/**
 * The user's hits of the day, or those numbered 0..upTo: how many, and what they use. A
 * find summed here: the embedded database computes only the first `$sum` of a `$group`
 * (README "Databases").
 */
async function readHits(
  userId: Types.ObjectId,
  day: number,
  upTo?: number,
): Promise<{ count: number; total: QuotaAmounts }> {
  const filter =
    upTo === undefined ? { user_id: userId, day } : { user_id: userId, day, seq: { $lte: upTo } };
  const hits = await QuotaHit.find(filter, { _id: 0, messages: 1, pushes: 1, lookups: 1 })
    .batchSize(ONE_BATCH)
    .lean<Partial<QuotaAmounts>[]>();
  const total: QuotaAmounts = { messages: 0, pushes: 0, lookups: 0 };
  for (const h of hits) for (const k of QUOTA_KINDS) total[k] += h[k] ?? 0;
  return { count: hits.length, total };
}

function overQuota(over: QuotaKind, limits: QuotaAmounts, now: Date): AppError {
  return AppError.tooManyRequests(
    `daily limit of ${limits[over]} ${NAMES[over]} reached; try again after midnight UTC`,
    secondsUntilNextDay(now),
  );
}

/**
 * Counts `use` against the user's quotas of the day; 429 when the day's total goes over one.
 * A request that the hits already there put over a quota is refused before it writes
 * anything (refusing is always safe), so a client retrying after a 429 adds no document.
 */
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
  const amounts: QuotaAmounts = { messages: 0, pushes: 0, lookups: 0 };
  for (const k of counted) amounts[k] = used[k];
  const before = await readHits(userId, day);
  const withThis = { ...before.total };
  for (const k of counted) withThis[k] += used[k];
  const early = exceededQuota(used, withThis, limits);
  if (early) throw overQuota(early, limits, now);
  const seq = await insertNextHit(userId, day, before.count, amounts);
  const charge: QuotaCharge = {
    // Zeroed, not deleted: a deleted number could be taken again by a later request, which
    // would then be numbered before admitted hits that never saw it.
    refund: async () => {
      await QuotaHit.updateOne(
        { _id: quotaHitId(userId, day, seq) },
        { $set: { messages: 0, pushes: 0, lookups: 0 } },
      );
    },
  };
  const over = exceededQuota(used, (await readHits(userId, day, seq)).total, limits);
  if (!over) return charge;
  await charge.refund();
  throw overQuota(over, limits, now);
}

/** Deletes the hits of the days before yesterday; the worker's cleanup job runs it. */
export async function cleanupQuotaHits(now: Date): Promise<number> {
  const res = await QuotaHit.deleteMany({ day: { $lt: quotaDay(now) - 1 } });
  return res.deletedCount;
}
