/**
 * The data export of one account (README "Privacy"), for the account page's "Download my
 * data" and the operator's `export-user`: the account, its device, sessions and number
 * history, its address book, the messages it sent (each receiver as the sender named it:
 * `id<user id>` or `num<phone>`) and the messages it received as /receive_all shows them
 * (services/messages/receive.ts, read page after page). Nothing of another account beyond
 * what /receive_all shows of a sender. Reads only: no message is marked or moved.
 *
 * Message texts, media ids and address-book names are read through hydrated Mongoose
 * documents (the model layer), never from raw collections.
 */
import type { Types } from 'mongoose';
import type { Config } from '../../config';
import { ONE_BATCH } from '../../db/queries';
import { AddressBook, AddressBookEntry } from '../../models/addressBook';
import { Message } from '../../models/message';
import { PhoneHistory } from '../../models/phoneHistory';
import { SessionRecord } from '../../models/session';
import { User } from '../../models/user';
import type { ReceivedItem } from '../../shapes';
import { receivedPage } from '../messages/receive';
import { waitingCounts } from './summary';

export const EXPORT_FORMAT = 'pictever-account-export/1';

export interface ExportDeps {
  config: Config;
  now: () => Date;
}

/** A message as its sender stored it. */
export interface SentItem {
  message_id: string;
  /** The receiver as the send named it: `id<user id>`, or `num<phone>` for a phone number. */
  to: string;
  /** The name of that number in the sender's own address book, '' when not there. */
  to_name: string;
  message: string;
  photo_id: string;
  video_id: string;
  sound_id: string;
  created_at: string;
  delivery_time: string;
  receive_label: string;
  /** delivered, pending (due later), blocked, or unclaimed (a number without an account). */
  state: 'delivered' | 'pending' | 'blocked' | 'unclaimed';
}

export interface AccountExport {
  format: typeof EXPORT_FORMAT;
  exported_at: string;
  account: {
    id: string;
    email: string;
    country_code: string;
    created_at: string;
    last_login: string | null;
    facebook_id: string;
    facebook_name: string;
    facebook_birthday: string;
  };
  /** The current device (at most one); the push token itself is a provider credential. */
  devices: { phone: string; os: string; app_version: string; push_token: 'set' | 'none' }[];
  phone_history: { kind: 'first' | 'change'; phone: string; at: string }[];
  sessions: { logged_in_at: string | null; ends_at: string | null }[];
  address_book: {
    first_uploaded_at: string;
    uploaded_at: string;
    contacts: { tel: string; name: string; as_uploaded: string }[];
  } | null;
  messages_sent: SentItem[];
  messages_received: ReceivedItem[];
  /** Messages not delivered yet: to the account, and sent by it. */
  waiting: { to_you: number; from_you: number };
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

/** A hydrated message (its text fields read through `get`, the model layer). */
interface StoredSent {
  _id: Types.ObjectId;
  receiver_id?: Types.ObjectId | null;
  receiver_phone?: string | null;
  blocked: boolean;
  created_at: Date;
  delivery_time: Date;
  receive_label?: string | null;
  get(path: string): unknown;
}

const textOf = (m: { get(path: string): unknown }, path: string) => {
  const v = m.get(path);
  return typeof v === 'string' ? v : '';
};

function stateOf(m: StoredSent, now: Date): SentItem['state'] {
  if (m.blocked) return 'blocked';
  if (!m.receiver_id) return 'unclaimed';
  return m.delivery_time.getTime() <= now.getTime() ? 'delivered' : 'pending';
}

function sentItem(m: StoredSent, names: Map<string, string>, now: Date): SentItem {
  const phone = m.receiver_phone ?? '';
  return {
    message_id: m._id.toHexString(),
    to: phone ? `num${phone}` : `id${m.receiver_id?.toHexString() ?? ''}`,
    to_name: phone ? (names.get(phone) ?? '') : '',
    message: textOf(m, 'message'),
    photo_id: textOf(m, 'photo_id'),
    video_id: textOf(m, 'video_id'),
    sound_id: textOf(m, 'sound_id'),
    created_at: m.created_at.toISOString(),
    delivery_time: m.delivery_time.toISOString(),
    receive_label: m.receive_label ?? '',
    state: stateOf(m, now),
  };
}

/** Every page /receive_all would answer from the beginning of time until now. */
async function everythingReceived(deps: ExportDeps, userId: Types.ObjectId): Promise<ReceivedItem[]> {
  const items: ReceivedItem[] = [];
  let since = new Date(0);
  for (;;) {
    const page = await receivedPage(deps, userId, since);
    items.push(...page.items);
    // Each page ends where a delivery time ends, so `next` is always past `since`.
    if (page.complete || page.next.getTime() <= since.getTime()) return items;
    since = page.next;
  }
}

async function addressBookOf(userId: Types.ObjectId) {
  const [book, entries] = await Promise.all([
    AddressBook.findById(userId).lean(),
    AddressBookEntry.find({ owner_id: userId }).sort({ tel: 1 }),
  ]);
  const contacts = entries.map((e) => {
    const tel = e.tel;
    return { tel, name: textOf(e, 'name'), as_uploaded: textOf(e, 'sent') || tel };
  });
  if (!book) return { book: null, names: new Map<string, string>() };
  return {
    book: {
      first_uploaded_at: book.first_uploaded_at.toISOString(),
      uploaded_at: book.uploaded_at.toISOString(),
      contacts,
    },
    names: new Map(contacts.map((c) => [c.tel, c.name])),
  };
}

/** The export, or null when the account does not exist. */
export async function exportAccount(deps: ExportDeps, userId: Types.ObjectId): Promise<AccountExport | null> {
  const user = await User.findById(userId).lean();
  if (!user) return null;
  const now = deps.now();
  const hex = userId.toHexString();
  const [history, sessions, addressBook, sent, received, waiting] = await Promise.all([
    PhoneHistory.find({ _id: { $gte: `${hex}:`, $lt: `${hex};` } }).lean(),
    SessionRecord.find({ user_id: hex }, { login_at: 1, expires: 1 }).lean(),
    addressBookOf(userId),
    Message.find({ sender_id: userId }).batchSize(ONE_BATCH),
    everythingReceived(deps, userId),
    waitingCounts(userId, now),
  ]);
  const device = user.device;
  return {
    format: EXPORT_FORMAT,
    exported_at: now.toISOString(),
    account: {
      id: hex,
      email: user.email,
      country_code: user.country_code,
      created_at: user.created_at.toISOString(),
      last_login: iso(user.last_login),
      facebook_id: user.facebook_id,
      facebook_name: user.facebook_name,
      facebook_birthday: user.facebook_birthday,
    },
    devices: device
      ? [
          {
            phone: device.phone,
            // A device made by define_first_phone_number has no version until the next login.
            os: device.os ?? '',
            app_version: device.app_version ?? '',
            push_token: device.reg_id ? 'set' : 'none',
          },
        ]
      : [],
    phone_history: history
      .map((h) => ({
        kind: h._id.endsWith(':first') ? ('first' as const) : ('change' as const),
        phone: h.phone ?? '',
        at: h.at.toISOString(),
      }))
      .sort((a, b) => a.at.localeCompare(b.at)),
    sessions: sessions.map((s) => ({ logged_in_at: iso(s.login_at), ends_at: iso(s.expires) })),
    address_book: addressBook.book,
    // Sorted here: no index orders a sender's messages by creation.
    messages_sent: sent
      .map((m) => sentItem(m, addressBook.names, now))
      .sort((a, b) => a.created_at.localeCompare(b.created_at) || a.message_id.localeCompare(b.message_id)),
    messages_received: received,
    waiting: { to_you: waiting.toYou, from_you: waiting.fromYou },
  };
}
