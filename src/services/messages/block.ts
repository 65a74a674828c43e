/**
 * POST /block_contacts (../shared/CONTRACT.md §3): every pending message (not due yet)
 * between the user and each listed user, both directions, becomes blocked (never pushed,
 * returned or counted), and its queued pushes are removed (both queues): the worker does not read the
 * message before pushing. Three queries whatever the number of messages.
 */
import type { Types } from 'mongoose';
import { ONE_BATCH } from '../../db/queries';
import { Message } from '../../models/message';
import { unqueueMessages } from '../pushes/queue';

/**
 * Returns how many messages were blocked. `contacts`: the form's list as the route checked
 * it (each once, at most BLOCK_MAX_CONTACTS); the user's own id among them is ignored.
 */
export async function blockContacts(
  userId: Types.ObjectId,
  contacts: Types.ObjectId[],
  now: Date,
): Promise<number> {
  const others = contacts.filter((id) => !id.equals(userId));
  if (others.length === 0) return 0;
  const pending = await Message.find(
    {
      blocked: false,
      delivery_time: { $gt: now },
      $or: [
        { sender_id: userId, receiver_id: { $in: others } },
        { sender_id: { $in: others }, receiver_id: userId },
      ],
    },
    { _id: 1 },
  )
    .batchSize(ONE_BATCH)
    .lean();
  if (pending.length === 0) return 0;
  const messageIds = pending.map((m) => m._id);
  const [blocked] = await Promise.all([
    Message.updateMany({ _id: { $in: messageIds } }, { $set: { blocked: true } }),
    unqueueMessages(messageIds),
  ]);
  return blocked.modifiedCount;
}
