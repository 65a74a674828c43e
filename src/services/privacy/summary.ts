/**
 * What the account page shows once signed in, and how an operator names an account: by
 * its email or its id. Reads only.
 */
import { Types } from 'mongoose';
import { normaliseEmail } from '../../domain/email';
import { isObjectIdHex } from '../../domain/objectId';
import { Message } from '../../models/message';
import { User } from '../../models/user';
import { futureMessageCount } from '../messages/messages';

export interface WaitingCounts {
  /** Messages to the account not delivered yet (what /get_number_of_future_messages counts). */
  toYou: number;
  /** Messages it sent not delivered yet: due later, or bottles no account has claimed. */
  fromYou: number;
}

export interface AccountSummary {
  id: string;
  email: string;
  /** The current device's number (00… form), '' when none. */
  phone: string;
  /** The account is being deleted (its deletion started and has not finished). */
  deleting: boolean;
  waiting: WaitingCounts;
}

/** Both counts in three index-served counts (README "Messages" lists the indexes). */
export async function waitingCounts(userId: Types.ObjectId, now: Date): Promise<WaitingCounts> {
  const [toYou, later, bottles] = await Promise.all([
    futureMessageCount(userId, now),
    // A "send now" message is delivered when sent: never pending.
    Message.countDocuments({
      sender_id: userId,
      blocked: false,
      send_now: false,
      delivery_time: { $gt: now },
    }),
    Message.countDocuments({
      sender_id: userId,
      receiver_id: null,
      blocked: false,
      delivery_time: { $lte: now },
    }),
  ]);
  return { toYou, fromYou: later + bottles };
}

/** The signed-in account as the page shows it; null when it no longer exists. */
export async function accountSummary(userId: Types.ObjectId, now: Date): Promise<AccountSummary | null> {
  const user = await User.findById(userId, { email: 1, 'device.phone': 1, deleting_at: 1 }).lean();
  if (!user) return null;
  return {
    id: userId.toHexString(),
    email: user.email,
    phone: user.device?.phone ?? '',
    deleting: !!user.deleting_at,
    waiting: await waitingCounts(userId, now),
  };
}

/** The account named by its id (24 hex digits) or its email (normalised); null when none. */
export async function findAccount(ref: string): Promise<{ id: Types.ObjectId; email: string } | null> {
  const trimmed = ref.trim();
  const filter = isObjectIdHex(trimmed)
    ? { _id: new Types.ObjectId(trimmed) }
    : { email: { $eq: normaliseEmail(trimmed) } };
  const user = await User.findOne(filter, { email: 1 }).lean();
  return user ? { id: user._id, email: user.email } : null;
}
