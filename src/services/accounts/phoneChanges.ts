/**
 * Limits on numbers claimed without proof (the apps cannot send an SMS code): bottles go
 * only to an account's first number, and an account changes numbers at most
 * PHONE_CHANGES_PER_30_DAYS times in any 30 days. Both are decided by unique inserts into
 * `phone_history` (see models/phoneHistory.ts), never by reading a count and writing it back.
 */
import type { Types } from 'mongoose';
import { isDuplicateKey } from '../../db/writeErrors';
import { AppError } from '../../errors';
import { PhoneHistory, changeSlotKey, firstPhoneKey } from '../../models/phoneHistory';

export const PHONE_CHANGE_WINDOW_MS = 30 * 86_400_000;

export interface FirstNumber {
  phone: string;
  /** This call recorded it (the account had no first number). */
  recorded: boolean;
}

/**
 * The account's first number; `candidate` becomes it when the account has none yet (its
 * current number for an account from before this record, else the number being defined).
 */
export async function firstNumber(
  userId: Types.ObjectId,
  candidate: string,
  now: Date,
): Promise<FirstNumber> {
  const _id = firstPhoneKey(userId.toHexString());
  try {
    await PhoneHistory.create({ _id, user_id: userId, phone: candidate, at: now });
    return { phone: candidate, recorded: true };
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
  const doc = await PhoneHistory.findById(_id, { phone: 1 }).lean();
  // Gone meanwhile (a racing first definition whose number was taken): no bottles here.
  return { phone: doc?.phone ?? '', recorded: false };
}

/** Undoes `firstNumber` when the number it recorded could not be claimed. */
export async function forgetFirstNumber(
  userId: Types.ObjectId,
  first: FirstNumber,
  now: Date,
): Promise<void> {
  if (!first.recorded) return;
  await PhoneHistory.deleteOne({ _id: firstPhoneKey(userId.toHexString()), phone: first.phone, at: now });
}

/**
 * Takes one of the account's change slots, or throws 429 with Retry-After (when the
 * oldest change leaves the window). A slot older than the window is freed by a delete that
 * names its time, then retaken by an insert: of two requests racing for it, one inserts.
 */
export async function takeChangeSlot(userId: Types.ObjectId, limit: number, now: Date): Promise<string> {
  const keys = Array.from({ length: limit }, (_v, slot) => changeSlotKey(userId.toHexString(), slot));
  const used = keys.length ? await PhoneHistory.find({ _id: { $in: keys } }, { at: 1 }).lean() : [];
  const usedAt = new Map(used.map((d) => [d._id, d.at]));
  const since = now.getTime() - PHONE_CHANGE_WINDOW_MS;
  for (const key of keys) {
    const at = usedAt.get(key);
    if (at && at.getTime() > since) continue;
    if (at) await PhoneHistory.deleteOne({ _id: key, at });
    try {
      await PhoneHistory.create({ _id: key, user_id: userId, at: now });
      return key;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
  }
  // With no change recorded (a cap of 0, or racers took every free slot) a whole window.
  const oldest = Math.min(now.getTime(), ...used.map((d) => d.at.getTime()));
  throw AppError.tooManyRequests('too many phone number changes, try again later', (oldest - since) / 1000, [
    { name: 'phone:changes', quota: limit, windowSeconds: PHONE_CHANGE_WINDOW_MS / 1000 },
  ]);
}

/** Gives back a slot taken by this request (`now` is its time) when the change failed. */
export async function releaseChangeSlot(key: string, now: Date): Promise<void> {
  await PhoneHistory.deleteOne({ _id: key, at: now });
}
