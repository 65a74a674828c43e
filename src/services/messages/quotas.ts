/**
 * Per-user daily quotas (README "Limits"): messages stored, pushes caused and numbers looked
 * up, per UTC day, shared by every web process. Each user's day is a chain of entries in
 * quota_seq, numbered 0, 1, 2… (`_id` `${user}:${day}:${n}`), each holding a request's
 * amounts and the day's running total through it. A request reads the last entry (one
 * find), adds its amounts to that total and, if no quota is exceeded, inserts entry n+1; a
 * duplicate key means another request took n+1 first: it reads that entry by `_id` and
 * tries n+2. Over a quota: 429 with Retry-After (the seconds until UTC midnight), nothing
 * written. Two commands when nobody races.
 *
 * Why exact, also when requests race, on MongoDB and on the embedded database alike (whose
 * only atomic write is a unique insert): entry n+1 is written only by the request whose
 * insert of that `_id` succeeded, from the total of entry n, which it read and which never
 * changes (entries are never updated). So the chain is one order of the admitted requests,
 * each total is exactly what was admitted through it, and every admitted request saw a
 * total within the quotas. A refund (a charged request whose work failed) appends an entry
 * with the amounts negated. Racers are admitted in chain order: the first fits whenever it
 * fits alone.
 */
import type { Types } from 'mongoose';
import type { Config } from '../../config';
import { insertIfAbsent } from '../../db/writeErrors';
import {
  QUOTA_KINDS,
  exceededQuota,
  quotaDay,
  secondsUntilNextDay,
  type QuotaAmounts,
  type QuotaKind,
} from '../../domain/quota';
import { DAY_MS } from '../../domain/time';
import { AppError } from '../../errors';
import { QuotaHit, quotaHitId, type QuotaEntry } from '../../models/quotaHit';

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

/** Numbers tried: each lost one is a request of the same user appended meanwhile. */
const MAX_TRIES = 64;

/** Gives a charged request's share back (its work failed after the charge). */
export interface QuotaCharge {
  refund(): Promise<void>;
}

const NO_CHARGE: QuotaCharge = { refund: () => Promise.resolve() };
const ZERO: QuotaAmounts = { messages: 0, pushes: 0, lookups: 0 };

/** a + factor × b, kind by kind. */
function plus(a: QuotaAmounts, b: QuotaAmounts, factor = 1): QuotaAmounts {
  const sum = { ...ZERO };
  for (const k of QUOTA_KINDS) sum[k] = a[k] + factor * b[k];
  return sum;
}

/** The day's last entry: the highest number, served by the {user_id, day, seq} index. */
function lastEntry(userId: Types.ObjectId, day: number): Promise<QuotaEntry | null> {
  return QuotaHit.findOne({ user_id: userId, day }).sort({ seq: -1 }).lean<QuotaEntry>().exec();
}

/**
 * Appends `amounts` to the user's chain of `day` unless `refuse` says the new total is
 * over a quota (it then throws what `refuse` returns, having written nothing).
 */
async function append(
  userId: Types.ObjectId,
  day: number,
  amounts: QuotaAmounts,
  refuse: (total: QuotaAmounts) => AppError | undefined,
): Promise<void> {
  let last = await lastEntry(userId, day);
  for (let tries = 0; tries < MAX_TRIES; tries++) {
    const seq = last ? last.seq + 1 : 0;
    const total = plus(last?.total ?? ZERO, amounts);
    const refused = refuse(total);
    if (refused) throw refused;
    const entry = { _id: quotaHitId(userId, day, seq), user_id: userId, day, seq, amounts, total };
    if (await insertIfAbsent(QuotaHit.collection, entry as never)) return;
    // Taken by another request: it exists, so it is the last one now or soon followed.
    last = await QuotaHit.findById(quotaHitId(userId, day, seq)).lean<QuotaEntry>();
  }
  // Nothing was written, so nothing is charged: only a flood of one user's requests gets here.
  throw AppError.tooManyRequests('too many requests at once, try again in a moment', 1);
}

/** Counts `use` against the user's quotas of the day; 429 when the day's total goes over one. */
export async function chargeDailyQuotas(
  config: Config,
  userId: Types.ObjectId,
  use: Partial<QuotaAmounts>,
  now: Date,
): Promise<QuotaCharge> {
  const limits = quotaLimits(config);
  const used: QuotaAmounts = { ...ZERO, ...use };
  const counted = QUOTA_KINDS.filter((k) => limits[k] > 0 && used[k] > 0);
  if (counted.length === 0) return NO_CHARGE;
  const day = quotaDay(now);
  const amounts: QuotaAmounts = { ...ZERO };
  for (const k of counted) amounts[k] = used[k];
  await append(userId, day, amounts, (total) => {
    const over = exceededQuota(used, total, limits);
    return over
      ? AppError.tooManyRequests(
          `daily limit of ${limits[over]} ${NAMES[over]} reached; try again after midnight UTC`,
          secondsUntilNextDay(now),
          [{ name: `daily:${over}`, quota: limits[over], windowSeconds: DAY_MS / 1000 }],
        )
      : undefined;
  });
  return { refund: () => append(userId, day, plus(ZERO, amounts, -1), () => undefined) };
}

/** Deletes the entries of the days before yesterday; the worker's cleanup job runs it. */
export async function cleanupQuotaHits(now: Date): Promise<number> {
  const res = await QuotaHit.deleteMany({ day: { $lt: quotaDay(now) - 1 } });
  return res.deletedCount;
}
