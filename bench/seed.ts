/**
 * Bench data written in bulk with the raw driver, field for field as the server writes
 * it: users as signup + login + define_first_phone_number leave them (with their
 * phone_owners claim), messages and push jobs as POST /send stores them
 * (src/services/messages/send.ts), delivered messages with the push outcome the worker
 * records for them (push_outcomes; the worker does not write messages).
 */
import { randomBytes } from 'node:crypto';
import bcrypt from 'bcrypt';
import { ObjectId, type Db, type Document } from 'mongodb';
import { sha256 } from '../scripts/lib/appClient';
import { DAY_MS } from '../src/domain/time';
import { step, endStep } from './progress';

export const BENCH_PASSWORD_HEX = sha256('bench password');
/** BCRYPT_COST's default: /login of ours and of the baseline compare at this cost. */
export const BCRYPT_COST = 10;
const COLORS = ['ffdc1a', '6bb690', 'f6591e', 'f36f4d'];

let phoneNo = 0;
const nextPhone = () => `00336${String(10_000_000 + ++phoneNo).slice(-8)}`;

export type Os = 'android' | 'ios';

export interface UserDoc extends Document {
  _id: ObjectId;
  email: string;
  device: { phone: string; os: Os; reg_id: string; app_version: string };
}

let passwordHash: string | undefined;
async function benchPasswordHash(): Promise<string> {
  passwordHash ??= await bcrypt.hash(BENCH_PASSWORD_HEX, BCRYPT_COST);
  return passwordHash;
}

export const tokenFor = (os: Os) =>
  os === 'ios' ? randomBytes(32).toString('hex') : `fcm-${randomBytes(16).toString('hex')}`;

export async function userDocs(n: number, prefix: string, osOf: (i: number) => Os = () => 'android') {
  const password = await benchPasswordHash();
  const now = new Date();
  return Array.from({ length: n }, (_, i): UserDoc => {
    const os = osOf(i);
    return {
      _id: new ObjectId(),
      email: `${prefix}${i}.${randomBytes(3).toString('hex')}@bench.example.com`,
      password,
      country_code: i % 3 === 0 ? 'fr' : 'us',
      created_at: now,
      last_login: now,
      facebook_id: '',
      facebook_name: '',
      facebook_birthday: '',
      device: { phone: nextPhone(), os, reg_id: tokenFor(os), app_version: os === 'ios' ? '2.2' : '1.1' },
      status_rank: 0,
    };
  });
}

export interface MessageSpec {
  sender: ObjectId;
  receiver: ObjectId;
  createdAt: Date;
  delivery: Date;
  /** 'delivered': storedMessages gives it a push outcome (outcomeDoc). */
  state?: 'pending' | 'delivered';
  text?: string;
}

/** A message as sendMessages stores it for an account receiver. */
export function messageDoc(
  s: MessageSpec,
): Document & { _id: ObjectId; receiver_id: ObjectId; delivery_time: Date; receive_label: string } {
  return {
    _id: new ObjectId(),
    sender_id: s.sender,
    receiver_id: s.receiver,
    receiver_phone: '',
    message: s.text ?? `bench message ${randomBytes(4).toString('hex')}`,
    photo_id: '',
    video_id: '',
    sound_id: '',
    created_at: s.createdAt,
    delivery_time: s.delivery,
    receive_label: 'Sent 1 month ago',
    receive_color: COLORS[Math.floor(Math.random() * COLORS.length)]!,
    version: '1.0',
    send_now: s.delivery.getTime() <= s.createdAt.getTime(),
    blocked: false,
  };
}

/** The push outcome the worker records for a delivered message (push_outcomes). */
export function outcomeDoc(m: { _id: ObjectId; receiver_id: ObjectId; delivery_time: Date }) {
  return {
    _id: new ObjectId().toHexString(),
    kind: 'message',
    message_id: m._id,
    user_id: m.receiver_id,
    outcome: 'sent',
    provider: 'fcm',
    provider_id: 'bench',
    attempts: 1,
    due_at: m.delivery_time,
    at: m.delivery_time,
    worker: 'bench',
  };
}

/**
 * The push job sendMessages queues with a message to an account; `label` (the message's
 * receive_label) is what the worker pushes, without reading the message.
 */
export function pushJobDoc(m: {
  _id: ObjectId;
  receiver_id: ObjectId;
  delivery_time: Date;
  receive_label: string;
  created_at?: unknown;
}) {
  return {
    _id: new ObjectId(),
    kind: 'message',
    user_id: m.receiver_id,
    message_id: m._id,
    label: m.receive_label,
    due_at: m.delivery_time,
    created_at: m.created_at instanceof Date ? m.created_at : new Date(),
  };
}

const YEAR_MS = 365 * DAY_MS;

/**
 * `n` messages between `users` as a live database holds them: half delivered within the
 * past year, half pending within the next year with their push jobs. The pending ones are
 * at least a day ahead, so none falls due while a bench phase runs.
 */
export function storedMessages(n: number, users: UserDoc[], now = Date.now()) {
  const pick = () => users[Math.floor(Math.random() * users.length)]!._id;
  const messages = Array.from({ length: n }, (_, i) => {
    const future = i % 2 === 1;
    const delivery = new Date(now + (future ? 1 : -1) * (DAY_MS + Math.random() * (YEAR_MS - DAY_MS)));
    return messageDoc({
      sender: pick(),
      receiver: pick(),
      createdAt: new Date(Math.min(now, delivery.getTime()) - Math.random() * YEAR_MS),
      delivery,
      state: future ? 'pending' : 'delivered',
    });
  });
  const jobs = messages.filter((m) => m.delivery_time.getTime() > now).map(pushJobDoc);
  const outcomes = messages.filter((m) => m.delivery_time.getTime() <= now).map(outcomeDoc);
  return { messages, jobs, outcomes };
}

export async function insertAll(db: Db, collection: string, docs: Document[], label: string, batch = 1_000) {
  for (let i = 0; i < docs.length; i += batch) {
    await db.collection(collection).insertMany(docs.slice(i, i + batch), { ordered: false });
    step(label, Math.min(i + batch, docs.length), docs.length);
  }
  endStep();
}

/** Users with their phone_owners claims. */
export async function insertUsers(db: Db, users: UserDoc[], label: string) {
  await insertAll(db, 'users', users, `${label}: users`);
  const owners = users.map((u): Document => ({
    _id: u.device.phone,
    user_id: u._id,
    claimed_at: u.created_at as Date,
  }));
  await insertAll(db, 'phone_owners', owners, `${label}: phone owners`);
}
