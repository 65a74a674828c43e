/**
 * GET /receive_all (../shared/CONTRACT.md §3): the messages for the user delivered in [ts, until)
 * and not blocked, at most RECEIVE_MAX of them (src/domain/receivePage.ts), as items whose
 * every value is a string. Two queries whatever the number of messages: the window's first
 * RECEIVE_MAX + 1 messages by delivery time, then all their senders at once (a third only
 * when more than RECEIVE_MAX messages share one delivery time: that instant's messages, at
 * most INSTANT_PAGE_FACTOR x RECEIVE_MAX). `until` is CLOCK_SKEW_ALLOWANCE_MS ahead of now:
 * a worker whose clock runs ahead of this one may already have pushed those (../shared/CONTRACT.md §4).
 * The answer's ts is `until` itself, where the next window starts, so that two windows in a
 * row never share a message (Android keeps repeats); a message being written meanwhile is
 * due after `until` (WRITE_SETTLE_MS, README "Exactly once").
 * Nothing here writes: the account page's data export reads every page the same way.
 */
import { Types } from 'mongoose';
import { ONE_BATCH } from '../../db/queries';
import { INSTANT_PAGE_FACTOR, cutPage } from '../../domain/receivePage';
import { floatSecondsText, jsonFloatSeconds } from '../../domain/timestamps';
import { Message } from '../../models/message';
import { User } from '../../models/user';
import type { ReceivedItem } from '../../shapes';
import type { MessageDeps } from './messages';

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

/**
 * One message as the apps read it: every key present, every value a string (src/shapes.ts).
 * A sender that no longer exists (a deleted account) is shown empty: "" for every `from_`
 * value, its id included (README "Privacy").
 */
export function receivedItem(m: StoredMessage, sender: Sender | undefined): ReceivedItem {
  const email = sender?.email ?? '';
  return {
    message_id: m._id.toHexString(),
    received_at: floatSecondsText(m.delivery_time),
    created_at: floatSecondsText(m.created_at),
    from_id: sender ? m.sender_id.toHexString() : '',
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

interface Page {
  messages: StoredMessage[];
  /** The answer's ts: where the app's next call starts. */
  next: Date;
  /** Every message of the window fitted: a call from `next` finds only later ones. */
  complete: boolean;
}

type ReceiveDeps = Pick<MessageDeps, 'config' | 'now'>;

const PROJECTION = { push: 0, state: 0 };

/** The window's first RECEIVE_MAX messages, cut where a delivery time ends (index-served). */
async function readPage(deps: ReceiveDeps, userId: Types.ObjectId, from: Date, now: Date): Promise<Page> {
  const max = deps.config.RECEIVE_MAX;
  // A push may come from a worker whose clock runs ahead of this one: look that far ahead.
  const until = new Date(now.getTime() + deps.config.CLOCK_SKEW_ALLOWANCE_MS);
  const found = await Message.find(
    { receiver_id: userId, blocked: false, delivery_time: { $gte: from, $lt: until } },
    PROJECTION,
  )
    .sort({ delivery_time: 1 })
    .limit(max + 1)
    .batchSize(ONE_BATCH)
    .lean<StoredMessage[]>();
  const times = found.map((m) => m.delivery_time.getTime());
  const cut = cutPage(times, max);
  if (cut.kind === 'all') return { messages: found, next: until < from ? from : until, complete: true };
  if (cut.kind === 'before') {
    return { messages: found.slice(0, cut.count), next: new Date(cut.next), complete: false };
  }
  const at = await Message.find(
    { receiver_id: userId, blocked: false, delivery_time: new Date(cut.at) },
    PROJECTION,
  )
    .limit(INSTANT_PAGE_FACTOR * max)
    .batchSize(ONE_BATCH)
    .lean<StoredMessage[]>();
  return { messages: at, next: new Date(cut.at + 1), complete: false };
}

export interface ReceivedPage {
  items: ReceivedItem[];
  /** The answer's ts. */
  next: Date;
  complete: boolean;
}

/** The items of the window from `since`, and where the next page starts. */
export async function receivedPage(
  deps: ReceiveDeps,
  userId: Types.ObjectId,
  since: Date,
): Promise<ReceivedPage> {
  const page = await readPage(deps, userId, since, deps.now());
  const senderIds = [...new Set(page.messages.map((m) => m.sender_id.toHexString()))];
  const senders = senderIds.length
    ? await User.find(
        { _id: { $in: senderIds.map((id) => new Types.ObjectId(id)) } },
        { email: 1, facebook_id: 1, facebook_name: 1, 'device.phone': 1 },
      )
        .batchSize(ONE_BATCH)
        .lean<Sender[]>()
    : [];
  const byId = new Map(senders.map((s) => [s._id.toHexString(), s]));
  const items = page.messages.map((m) => receivedItem(m, byId.get(m.sender_id.toHexString())));
  return { items, next: page.next, complete: page.complete };
}

/**
 * The JSON body for the window from `since` (the request's ts): the answer's `ts` is
 * written by hand so that it is always a float literal.
 */
export async function receiveAll(deps: ReceiveDeps, userId: Types.ObjectId, since: Date): Promise<string> {
  const page = await receivedPage(deps, userId, since);
  return `{"ts": ${jsonFloatSeconds(page.next)}, "new_messages": ${JSON.stringify(page.items)}}`;
}
