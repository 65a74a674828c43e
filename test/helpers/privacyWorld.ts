/**
 * A small world for the privacy tests (export, deletion, the admin commands, the browser
 * page): three people who defined their numbers, uploaded address books, sent messages
 * (delivered, pending, to a number without an account, blocked), asked for a reset code,
 * got a reminder key and push records, built through the real routes where the apps would
 * make them. `recordsOf` counts, from the raw collections, every record that names a user.
 */
import type { Express } from 'express';
import mongoose, { Types } from 'mongoose';
import request, { type Agent } from 'supertest';
import { JobRun, Message, PushOutcome, ResetCode } from '../../src/models';
import { androidBody, createUser, loginAgent, sha256Hex } from './factories';
import { seedTestCatalog, storeMessage } from './messageFactories';

export interface Person {
  id: string;
  oid: Types.ObjectId;
  email: string;
  /** What the person types as their password (the page hashes it). */
  typed: string;
  /** The SHA-256 hex of it, which the apps send. */
  password: string;
  phone: string;
  agent: Agent;
}

export interface World {
  sam: Person;
  rita: Person;
  bob: Person;
  /** A number without an account that sam wrote to (his bottle). */
  stranger: string;
  /** Texts of sam's messages, by what becomes of them when sam is deleted. */
  texts: { keptAtRita: string; pendingToRita: string; bottle: string; blocked: string };
  /** Texts rita sent sam. */
  ritaToSam: { delivered: string; pending: string };
  /** Reset-code ids of sam (their attempts are found by them). */
  samResetCodes: Types.ObjectId[];
  /** The messages a deletion of sam removes (received, and sent but not delivered). */
  samDoomed: Types.ObjectId[];
}

const IN_A_YEAR = () => String(Math.floor(Date.now() / 1000) + 365 * 86400);

function send(p: Person, receivers: string[], message: string, when: 'now' | 'later') {
  return androidBody(p.agent.post('/send'), {
    message,
    receiver_ids: JSON.stringify(receivers),
    delivery_option: JSON.stringify({ type: 'calendar', parameters: when === 'now' ? 'now' : IN_A_YEAR() }),
  }).expect(200);
}

async function person(app: Express, phone: string, label: string): Promise<Person> {
  const typed = `${label}'s password ${new Types.ObjectId().toHexString()}`;
  const u = await createUser({
    email: `${label}.${new Types.ObjectId().toHexString()}@example.com`,
    password: sha256Hex(typed),
  });
  const agent = await loginAgent(app, u.email, u.password);
  // Through the route: it records the number's history (phone_history) and ownership.
  await androidBody(agent.post('/define_first_phone_number'), {
    phone_number: phone,
    os: 'android',
    reg_id: `token-${label}`,
  }).expect(200);
  return {
    id: u.id,
    oid: new Types.ObjectId(u.id),
    email: u.email,
    typed,
    password: u.password,
    phone,
    agent,
  };
}

/** `prefix`: digits that keep this file's phone numbers apart from other files'. */
export async function buildWorld(app: Express, prefix: string): Promise<World> {
  await seedTestCatalog();
  const sam = await person(app, `${prefix}001`, 'sam');
  const rita = await person(app, `${prefix}002`, 'rita');
  const bob = await person(app, `${prefix}003`, 'bob');
  const stranger = `${prefix}099`;
  const upload = (p: Person, entries: { tel: string; name: string }[]) =>
    androidBody(p.agent.post('/upload_address_book'), { address_book: JSON.stringify(entries) }).expect(200);
  await upload(sam, [
    { tel: rita.phone, name: 'Rita Sister' },
    { tel: stranger, name: 'Stranger Danger' },
  ]);
  // Rita's book is new and holds sam, who holds her: a "joined" push to sam.
  await upload(rita, [{ tel: sam.phone, name: 'Sam Brother' }]);

  const texts = {
    keptAtRita: 'sam to rita, delivered',
    pendingToRita: 'sam to rita, next year',
    bottle: 'sam to a number without an account',
    blocked: 'sam to rita, blocked',
  };
  const ritaToSam = { delivered: 'rita to sam, delivered', pending: 'rita to sam, next year' };
  await send(sam, [`num${rita.phone}`], texts.keptAtRita, 'now');
  await send(sam, [`id${rita.id}`], texts.pendingToRita, 'later'); // a teaser for rita
  await send(sam, [`num${stranger}`], texts.bottle, 'now');
  await send(rita, [`id${sam.id}`], ritaToSam.delivered, 'now');
  await send(rita, [`id${sam.id}`], ritaToSam.pending, 'later'); // a teaser for sam
  await send(bob, [`id${rita.id}`], 'bob to rita', 'now');
  // A "now" message is due WRITE_SETTLE_MS after its send (README "Exactly once"): the
  // world is ready once they are delivered.
  const lastNow = await Message.findOne({ sender_id: { $in: [sam.oid, rita.oid, bob.oid] }, send_now: true })
    .sort({ delivery_time: -1 })
    .lean();
  await new Promise((resolve) =>
    setTimeout(resolve, Math.max(0, lastNow!.delivery_time.getTime() - Date.now() + 50)),
  );
  await storeMessage({
    sender: sam.oid,
    receiver: rita.oid,
    created: new Date(Date.now() - 3600_000),
    delivery: new Date(Date.now() - 60_000),
    blocked: true,
    message: texts.blocked,
  });

  // A reset code and a wrong attempt at it.
  await request(app)
    .get(`/send_reset_mail?email=${encodeURIComponent(sam.email)}`)
    .expect(200);
  await androidBody(request(app).post('/define_new_password'), {
    email: sam.email,
    verification_code: 'WRONG1',
    new_password: sam.password,
  }).expect(406);
  const samResetCodes = (await ResetCode.find({ user_id: sam.oid }, { _id: 1 }).lean()).map((c) => c._id);

  // What the worker would have written: the no-phone reminder key, a push record.
  await JobRun.create({
    _id: `reminder:${sam.id}`,
    kind: 'reminder',
    worker: 'test',
    created_at: new Date(),
  });
  const received = await Message.findOne({ receiver_id: sam.oid }, { _id: 1 }).lean();
  await PushOutcome.create({
    _id: new Types.ObjectId().toHexString(),
    kind: 'message',
    message_id: received!._id,
    user_id: sam.oid,
    outcome: 'sent',
    attempts: 1,
    due_at: new Date(),
    at: new Date(),
    worker: 'test',
  });
  const samDoomed = await doomedMessages(sam);
  return { sam, rita, bob, stranger, texts, ritaToSam, samResetCodes, samDoomed };
}

const raw = (name: string) => mongoose.connection.collection(name);

interface SentFacts {
  _id: Types.ObjectId;
  receiver_id: Types.ObjectId | null;
  blocked: boolean;
  delivery_time: Date;
}

const reachedSomeoneElse = (m: SentFacts, p: Person) =>
  !!m.receiver_id && !m.receiver_id.equals(p.oid) && !m.blocked && m.delivery_time <= new Date();

async function messagesOf(p: Person) {
  const projection = { receiver_id: 1, blocked: 1, delivery_time: 1 };
  const [sent, received] = await Promise.all([
    raw('messages').find<SentFacts>({ sender_id: p.oid }, { projection }).toArray(),
    raw('messages').find<SentFacts>({ receiver_id: p.oid }, { projection }).toArray(),
  ]);
  return { sent, received };
}

/** Messages a deletion of `p` removes: every one received, every one sent not delivered. */
export async function doomedMessages(p: Person): Promise<Types.ObjectId[]> {
  const { sent, received } = await messagesOf(p);
  return [...sent.filter((m) => !reachedSomeoneElse(m, p)), ...received].map((m) => m._id);
}

/**
 * Records naming `p`, by kind, counted in the raw collections. `doomed`: the messages
 * doomedMessages found before a deletion (their pushes and push records are counted by
 * them). `messages_sent_delivered` counts what a deletion keeps.
 */
export async function recordsOf(
  p: Person,
  resetCodes: Types.ObjectId[],
  doomed: Types.ObjectId[],
): Promise<Record<string, number>> {
  const { oid, id } = p;
  const { sent, received } = await messagesOf(p);
  const delivered = sent.filter((m) => reachedSomeoneElse(m, p)).length;
  const count = (name: string, filter: object) => raw(name).countDocuments(filter);
  return {
    users: await count('users', { _id: oid }),
    sessions: await count('sessions', { user_id: id }),
    phone_owners: await count('phone_owners', { user_id: oid }),
    phone_history: await count('phone_history', { user_id: oid }),
    address_book_entries: await count('address_book_entries', { owner_id: oid }),
    address_books: await count('address_books', { _id: oid }),
    joined_announcements: await count('joined_announcements', { _id: oid }),
    reset_codes: await count('reset_codes', { user_id: oid }),
    reset_attempts: await count('reset_attempts', { code_id: { $in: resetCodes } }),
    quota_seq: await count('quota_seq', { user_id: oid }),
    send_dedup: await count('send_dedup', { sender_id: oid }),
    reminder_key: await count('job_runs', { _id: `reminder:${id}` as never }),
    push_jobs: await count('push_jobs', { user_id: oid }),
    push_schedule: await count('push_schedule', { user_id: oid }),
    pushes_of_removed_messages:
      (await count('push_jobs', { message_id: { $in: doomed } })) +
      (await count('push_schedule', { message_id: { $in: doomed } })),
    push_outcomes: await count('push_outcomes', { message_id: { $in: doomed } }),
    messages: await count('messages', { _id: { $in: doomed } }),
    messages_received: received.length,
    messages_sent_undelivered: sent.length - delivered,
    messages_sent_delivered: delivered,
  };
}
