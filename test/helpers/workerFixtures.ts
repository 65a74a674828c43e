/**
 * Data for the worker tests, written with the models: receivers with a device, due
 * messages with their push job (as the web process stores them), and polling helpers.
 */
import { randomBytes } from 'node:crypto';
import { Types } from 'mongoose';
import { Message, PushJob, PushOutcome, User } from '../../src/models';
import type { PushOutcomeView } from '../../src/services/pushes/outcomes';

let counter = 0;

export const androidToken = () => `fcm-${randomBytes(12).toString('hex')}`;
export const iosToken = () => randomBytes(32).toString('hex');

export interface ReceiverOptions {
  os?: string;
  regId?: string;
  noDevice?: boolean;
  countryCode?: string;
  createdAt?: Date;
}

function phone(): string {
  counter += 1;
  return `0033${String(600000000 + counter * 7919 + Math.floor(Math.random() * 1000))}`;
}

export function receiverDoc(o: ReceiverOptions = {}) {
  const os = o.os ?? 'android';
  return {
    _id: new Types.ObjectId(),
    email: `r${++counter}.${randomBytes(3).toString('hex')}@example.com`,
    country_code: o.countryCode ?? 'us',
    created_at: o.createdAt ?? new Date(),
    device: o.noDevice
      ? undefined
      : {
          phone: phone(),
          os,
          reg_id: o.regId ?? (os.toLowerCase() === 'ios' ? iosToken() : androidToken()),
          app_version: '1.1',
        },
  };
}

export async function makeReceiver(o: ReceiverOptions = {}) {
  const doc = receiverDoc(o);
  await User.create(doc);
  return doc;
}

export interface QueuedOptions {
  due: Date;
  label?: string;
  blocked?: boolean;
  /** Store the message without its push job (a web crash in between). */
  noJob?: boolean;
  /** A job as an older version queued it: without the label (the worker reads the message). */
  legacyJob?: boolean;
}

export function messageDoc(receiverId: Types.ObjectId, o: QueuedOptions) {
  return {
    _id: new Types.ObjectId(),
    sender_id: new Types.ObjectId(),
    receiver_id: receiverId,
    message: 'hello from the past',
    created_at: new Date(o.due.getTime() - 3600_000),
    delivery_time: o.due,
    receive_label: o.label ?? 'Sent 1 hour ago',
    receive_color: 'ffdc1a',
    blocked: o.blocked ?? false,
  };
}

export function jobDoc(m: {
  _id: Types.ObjectId;
  receiver_id: Types.ObjectId;
  delivery_time: Date;
  receive_label?: string;
}) {
  return {
    kind: 'message' as const,
    user_id: m.receiver_id,
    message_id: m._id,
    label: m.receive_label,
    due_at: m.delivery_time,
  };
}

/** A message and its push job, as POST /send stores them. */
export async function queueMessage(receiverId: Types.ObjectId, o: QueuedOptions) {
  const m = messageDoc(receiverId, o);
  await Message.create(m);
  if (!o.noJob) await PushJob.create(o.legacyJob ? { ...jobDoc(m), label: undefined } : jobDoc(m));
  return m._id;
}

/** How the last push of a message ended (push_outcomes), or null before it is recorded. */
export function outcomeOf(messageId: Types.ObjectId): Promise<PushOutcomeView | null> {
  return PushOutcome.findOne({ message_id: messageId }).sort({ at: -1 }).lean<PushOutcomeView>().exec();
}

/** Waits for a message's push outcome and returns it. */
export async function settledOutcome(messageId: Types.ObjectId, timeoutMs: number) {
  await eventually(async () => (await outcomeOf(messageId)) !== null, timeoutMs, 'the push outcome');
  return (await outcomeOf(messageId))!;
}

/** Many receivers (one token each) and one due message each, in bulk. */
export async function queueMany(n: number, due: Date, o: ReceiverOptions = {}) {
  const users = Array.from({ length: n }, () => receiverDoc(o));
  const messages = users.map((u) => messageDoc(u._id, { due }));
  for (let i = 0; i < n; i += 500) {
    await User.insertMany(users.slice(i, i + 500));
    await Message.insertMany(messages.slice(i, i + 500));
    await PushJob.insertMany(messages.slice(i, i + 500).map(jobDoc));
  }
  return { users, messages };
}

export async function pushJob(kind: 'teaser' | 'joined', userId: Types.ObjectId, text: string) {
  return PushJob.create({ kind, user_id: userId, text, due_at: new Date() });
}

/** Polls `check` until it holds; fails with `what` after `timeoutMs`. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
