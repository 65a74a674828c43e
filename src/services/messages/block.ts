/**
 * POST /block_contacts (CONTRACT.md §3): every pending message between the user and each
 * listed user, both directions, becomes blocked (never pushed, returned or counted), and
 * its queued pushes are removed. Three queries whatever the number of messages.
 */
import { Types } from 'mongoose';
import { ONE_BATCH } from '../../db/queries';
import type { Form } from '../../domain/form';
import { parseUserIdList } from '../../domain/receivers';
import { AppError } from '../../errors';
import { Message } from '../../models/message';
import { PushJob } from '../../models/pushJob';

/** Returns how many messages were blocked; at most `maxContacts` ids (BLOCK_MAX_CONTACTS). */
export async function blockContacts(
  userId: Types.ObjectId,
  form: Form,
  maxContacts: number,
): Promise<number> {
  const ids = parseUserIdList(form.contacts_to_block, 'contacts_to_block', maxContacts);
  if (!ids.ok) throw AppError.badRequest(ids.reason);
  const others = ids.value.map((id) => new Types.ObjectId(id)).filter((id) => !id.equals(userId));
  if (others.length === 0) return 0;
  const pending = await Message.find(
    {
      state: 'pending',
      blocked: false,
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
  // state: 'pending' again: a message the worker delivered meanwhile stays visible.
  const [blocked] = await Promise.all([
    Message.updateMany({ _id: { $in: messageIds }, state: 'pending' }, { $set: { blocked: true } }),
    PushJob.deleteMany({ message_id: { $in: messageIds } }),
  ]);
  return blocked.modifiedCount;
}
