/**
 * define_first_phone_number (CONTRACT.md §3): a user's current device and phone number.
 *
 * Who owns a number is the PhoneOwner document whose _id is the number: claiming is an
 * insert, so two accounts racing for one number end with exactly one owner (only unique
 * inserts are atomic on the embedded database; README "Databases"). The user's device is
 * written after the claim, and the user's previous number is released after that.
 *
 * A claim can go stale: a process dies between the claim and the device write, or a
 * release fails after a user moved to a new number. A claim older than STALE_CLAIM_MS
 * whose owner's device does not carry the number is taken over; a younger one may be a
 * claim still in progress and is respected.
 */
import { Types } from 'mongoose';
import { AppError } from '../http/errors';
import { PhoneOwner } from '../models/phoneOwner';
import { User } from '../models/user';
import { type AccountDeps, isDuplicateKey } from './accounts';
import { claimBottles } from './bottles';
import { announceJoinedIfDue } from './contactsJoined';

export const STALE_CLAIM_MS = 60_000;

export interface PhoneInput {
  /** Normalised `00…` number (domain/phone). */
  phone: string;
  os: string;
  regId: string;
}

async function isStale(
  owner: { user_id: Types.ObjectId; claimed_at?: Date | null },
  phone: string,
  now: Date,
) {
  if (owner.claimed_at && now.getTime() - owner.claimed_at.getTime() < STALE_CLAIM_MS) return false;
  const user = await User.findById(owner.user_id, { device: 1 }).lean();
  return user?.device?.phone !== phone;
}

/** Makes `userId` the owner of `phone`, or throws 406 when another account owns it. */
export async function claimPhone(userId: Types.ObjectId, phone: string, now: Date): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await PhoneOwner.create({ _id: phone, user_id: userId, claimed_at: now });
      return;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
    const owner = await PhoneOwner.findById(phone).lean();
    if (!owner) continue; // released meanwhile: claim again
    if (owner.user_id.equals(userId)) return;
    if (!(await isStale(owner, phone, now))) break;
    await PhoneOwner.deleteOne({ _id: phone, user_id: owner.user_id });
  }
  throw AppError.notAcceptable('phone number already used by another account');
}

/** Sets or replaces the user's device, then hands them the bottles sent to the number. */
export async function defineFirstPhoneNumber(
  deps: AccountDeps,
  userId: Types.ObjectId,
  input: PhoneInput,
): Promise<void> {
  const now = deps.now();
  if (!(await User.exists({ _id: userId }))) throw AppError.unauthorized();
  await claimPhone(userId, input.phone, now);
  await User.updateOne(
    { _id: userId },
    { $set: { 'device.phone': input.phone, 'device.os': input.os, 'device.reg_id': input.regId } },
  );
  await PhoneOwner.deleteMany({ user_id: userId, _id: { $ne: input.phone } });
  await claimBottles(userId, input.phone, now);
  await announceJoinedIfDue(deps, userId);
}
