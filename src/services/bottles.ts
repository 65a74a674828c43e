/**
 * Hook called by define_first_phone_number once `userId` owns `phone`: every bottle
 * (message sent to that number before it had an account) becomes this user's, and a bottle
 * already due becomes due now. Filled in by the messages feature.
 */
import type { Types } from 'mongoose';

export function claimBottles(_userId: Types.ObjectId, _phone: string, _now: Date): Promise<void> {
  return Promise.resolve(); // implemented with messages
}
