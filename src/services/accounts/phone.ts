/**
 * define_first_phone_number (../shared/CONTRACT.md §3): a user's current device and phone number.
 *
 * Who owns a number is the PhoneOwner document whose _id is the number: claiming is an
 * insert, so two accounts racing for one number end with exactly one owner (only unique
 * inserts are atomic on the embedded database; README "Databases"). The user's device is
 * written after the claim, and the user's previous number is released after that.
 *
 * Numbers are claimed without proof, so the damage is bounded (phoneChanges.ts):
 * bottles go only to the account's first number, and changes are capped per 30 days.
 *
 * A claim can go stale: a process dies between the claim and the device write, or a
 * release fails after a user moved to a new number. A claim older than STALE_CLAIM_MS
 * whose owner's device does not carry the number is taken over; a younger one may be a
 * claim still in progress and is respected.
 */
import { Types } from 'mongoose';
import { isDuplicateKey } from '../../db/writeErrors';
import { phoneHint } from '../../domain/phone';
import { AppError } from '../../errors';
import { PhoneOwner } from '../../models/phoneOwner';
import { User } from '../../models/user';
import type { AccountDeps } from './accounts';
import { claimBottles } from '../messages/bottles';
import { announceJoinedIfDue } from '../contacts/joined';
import {
  firstNumber,
  forgetFirstNumber,
  releaseChangeSlot,
  takeChangeSlot,
  type FirstNumber,
} from './phoneChanges';

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

/**
 * A change is a move to another number once the account has one; defining the first
 * number (and an app's retry of it, which races the first request) is not.
 */
function isChange(current: string | undefined, first: FirstNumber, phone: string): boolean {
  if (current === phone) return false;
  return current !== undefined || first.phone !== phone;
}

/**
 * Sets or replaces the user's device. Only the account's first number claims bottles, and
 * a change takes one of the account's change slots (429 when none is free); a failed claim
 * (406) gives back what this request took. First numbers and changes are logged with the
 * user id and the numbers' last two digits only (numbers are personal data).
 */
export async function defineFirstPhoneNumber(
  deps: AccountDeps,
  userId: Types.ObjectId,
  input: PhoneInput,
): Promise<void> {
  const now = deps.now();
  const user = await User.findById(userId, { 'device.phone': 1 }).lean();
  if (!user) throw AppError.unauthorized();
  const current = user.device?.phone ?? undefined;
  const first = await firstNumber(userId, current ?? input.phone, now);
  const change = isChange(current, first, input.phone);
  const slot = change ? await takeChangeSlot(userId, deps.config.PHONE_CHANGES_PER_30_DAYS, now) : undefined;
  try {
    await claimPhone(userId, input.phone, now);
  } catch (err) {
    if (slot) await releaseChangeSlot(slot, now);
    // A first number recorded by this request was never the account's: forget it.
    if (current === undefined) await forgetFirstNumber(userId, first, now);
    throw err;
  }
  await User.updateOne(
    { _id: userId },
    { $set: { 'device.phone': input.phone, 'device.os': input.os, 'device.reg_id': input.regId } },
  );
  await PhoneOwner.deleteMany({ user_id: userId, _id: { $ne: input.phone } });
  const bottles =
    input.phone === first.phone
      ? await claimBottles(userId, input.phone, deps.now(), deps.config.WRITE_SETTLE_MS)
      : 0;
  const fields = { userId: userId.toHexString(), to: phoneHint(input.phone) };
  if (change) deps.logger.info({ ...fields, from: current && phoneHint(current) }, 'phone number changed');
  else if (first.recorded && current === undefined)
    deps.logger.info({ ...fields, bottles }, 'first phone number defined');
  await announceJoinedIfDue(deps, userId);
}
