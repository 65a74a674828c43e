/**
 * GET /receive_all (CONTRACT.md §3): every message for the user delivered in [ts, now]
 * (now plus the clock-skew allowance) and not blocked, as items whose every value is a string. Two queries whatever the
 * number of messages: the messages, then all their senders at once.
 */
import { Types } from 'mongoose';
import {
  floatSecondsText,
  fromEpochSeconds,
  jsonFloatSeconds,
  parseEpochSeconds,
} from '../domain/timestamps';
import { AppError } from '../http/errors';
import { Message } from '../models/message';
import { User } from '../models/user';
import { ONE_BATCH, type MessageDeps } from './messages';

interface StoredMessage {
  _id: Types.ObjectId;
  sender_id: Types.ObjectId;
  message?: string | null;
  photo_id?: string | null;
  video_id?: string | null;
  sound_id?: string | null;
  created_at: Date;
  delivery_time: Date;
  receive_label?: string | null;
  receive_color?: string | null;
  version?: string | null;
}

interface Sender {
  _id: Types.ObjectId;
  email?: string | null;
  facebook_id?: string | null;
  facebook_name?: string | null;
  device?: { phone?: string | null } | null;
}

export type ReceivedItem = Record<
  | 'message_id'
  | 'received_at'
  | 'created_at'
  | 'from_id'
  | 'from_email'
  | 'from_numero'
  | 'from_facebook_id'
  | 'from_facebook_name'
  | 'message'
  | 'photo_id'
  | 'video_id'
  | 'sound_id'
  | 'receive_label'
  | 'receive_color'
  | 'version',
  string
>;

/** One message as the apps read it: every key present, every value a string. */
export function receivedItem(m: StoredMessage, sender: Sender | undefined): ReceivedItem {
  const email = sender?.email ?? '';
  return {
    message_id: m._id.toHexString(),
    received_at: floatSecondsText(m.delivery_time),
    created_at: floatSecondsText(m.created_at),
    from_id: m.sender_id.toHexString(),
    from_email: email,
    from_numero: sender?.device?.phone || email,
    from_facebook_id: sender?.facebook_id ?? '',
    from_facebook_name: sender?.facebook_name ?? '',
    message: m.message ?? '',
    photo_id: m.photo_id ?? '',
    video_id: m.video_id ?? '',
    sound_id: m.sound_id ?? '',
    receive_label: m.receive_label ?? '',
    receive_color: m.receive_color ?? '',
    version: m.version ?? '1.0',
  };
}

/** The JSON body: `ts` is written by hand so that it is always a float literal. */
export async function receiveAll(
  deps: MessageDeps,
  userId: Types.ObjectId,
  tsText: string | undefined,
): Promise<string> {
  const ts = parseEpochSeconds(tsText);
  if (ts === undefined) throw AppError.badRequest('ts must be epoch seconds');
  const now = deps.now();
  // A push may come from a worker whose clock runs ahead of this one (CONTRACT.md §4: the
  // push never arrives before its message is visible): look that far ahead. The answer's
  // ts stays `now`, so the next call covers those messages again (the apps drop repeats).
  const until = new Date(now.getTime() + deps.config.CLOCK_SKEW_ALLOWANCE_MS);
  const messages = await Message.find(
    { receiver_id: userId, blocked: false, delivery_time: { $gte: fromEpochSeconds(ts), $lte: until } },
    { push: 0, state: 0 },
  )
    .sort({ delivery_time: 1 })
    .batchSize(ONE_BATCH)
    .lean<StoredMessage[]>();
  const senderIds = [...new Set(messages.map((m) => m.sender_id.toHexString()))];
  const senders = senderIds.length
    ? await User.find(
        { _id: { $in: senderIds.map((id) => new Types.ObjectId(id)) } },
        { email: 1, facebook_id: 1, facebook_name: 1, 'device.phone': 1 },
      )
        .batchSize(ONE_BATCH)
        .lean<Sender[]>()
    : [];
  const byId = new Map(senders.map((s) => [s._id.toHexString(), s]));
  const items = messages.map((m) => receivedItem(m, byId.get(m.sender_id.toHexString())));
  return `{"ts": ${jsonFloatSeconds(now)}, "new_messages": ${JSON.stringify(items)}}`;
}
