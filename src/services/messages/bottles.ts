/**
 * Hook called by define_first_phone_number once `userId` owns `phone`: every bottle
 * (message sent to that number before it had an account) becomes this user's, a bottle
 * already due becomes due now, a settle time ahead (its old time would lie before the app's
 * next receive_all window), and its push is queued. Four queries whatever the number of bottles.
 */
import type { Types } from 'mongoose';
import { ONE_BATCH } from '../../db/queries';
import { Message } from '../../models/message';
import { queuePushes } from '../pushes/queue';

/** Returns how many bottles were claimed. */
export async function claimBottles(
  userId: Types.ObjectId,
  phone: string,
  now: Date,
  settleMs: number,
): Promise<number> {
  const bottles = await Message.find(
    { receiver_phone: phone, receiver_id: null },
    { delivery_time: 1, receive_label: 1 },
  )
    .batchSize(ONE_BATCH)
    .lean();
  if (bottles.length === 0) return 0;
  const due = bottles.filter((b) => b.delivery_time.getTime() <= now.getTime()).map((b) => b._id);
  const later = bottles.filter((b) => b.delivery_time.getTime() > now.getTime()).map((b) => b._id);
  // receiver_id: null in the filters: a bottle claimed meanwhile by a previous owner of
  // the number is not taken from them.
  // Due a settle time from now (WRITE_SETTLE_MS): a window read meanwhile has not passed it.
  const dueNow = new Date(now.getTime() + settleMs);
  const claims: Promise<unknown>[] = [];
  if (due.length > 0) {
    const set = { receiver_id: userId, delivery_time: dueNow };
    claims.push(Message.updateMany({ _id: { $in: due }, receiver_id: null }, { $set: set }).exec());
  }
  if (later.length > 0) {
    const set = { receiver_id: userId };
    claims.push(Message.updateMany({ _id: { $in: later }, receiver_id: null }, { $set: set }).exec());
  }
  await Promise.all(claims);
  const jobs = bottles.map((b) => ({
    kind: 'message' as const,
    user_id: userId,
    message_id: b._id,
    label: b.receive_label,
    due_at: b.delivery_time.getTime() <= now.getTime() ? dueNow : b.delivery_time,
    created_at: now,
  }));
  await queuePushes(jobs, now);
  return bottles.length;
}
