/**
 * The world of a fuzz run (users with sessions, messages, catalog) on the connected
 * Mongoose connection, the app listening on a free port with captured logs and mails,
 * and the checks made afterwards: the database holds nothing half-stored, and no secret
 * shows in a log line or an answer.
 */
import type http from 'node:http';
import mongoose, { Types } from 'mongoose';
import { loadConfig, type Config } from '../../src/config';
import { RECEIVE_COLORS } from '../../src/domain/colors';
import type { MailMessage, Mailer } from '../../src/mail/mailer';
import { Message, PhoneOwner, PushJob, PushOutcome, PushSchedule, SendChoice, User } from '../../src/models';
import { seedCatalog } from '../../src/services/catalog/seed';
import { TEST_SESSION_SECRET, appOnDefaultConnection, captureLogger } from '../../test/helpers/app';
import { createTestUser, sessionCookie } from '../../test/helpers/session';
import { listen, type FuzzWorld, type Sample } from './hardeningFuzz';
import { stackDataKeys } from './stack';

export const FUZZ_REG_TOKEN = 'fuzz-reg-token';

export interface FuzzApp {
  server: http.Server;
  port: number;
  config: Config;
  logLines: string[];
  mails: MailMessage[];
}

export async function startFuzzApp(env: Record<string, string> = {}): Promise<FuzzApp> {
  const config = loadConfig({
    NODE_ENV: 'test',
    BCRYPT_COST: '4',
    // The bcrypt queue's 503 is load shedding, not what the fuzz looks for: room for every racer.
    LOG_LEVEL: 'debug',
    SESSION_SECRET: TEST_SESSION_SECRET, // sessionCookie signs with it
    DATA_KEYS: stackDataKeys(), // the run's keys, never the local ones
    ...env,
  });
  const { logger, logLines } = captureLogger('debug');
  const mails: MailMessage[] = [];
  const mailer: Mailer = {
    send: (m) => {
      mails.push(m);
      return Promise.resolve();
    },
  };
  const { server, port } = await listen(appOnDefaultConnection(config, logger, { mailer }));
  return { server, port, config, logLines, mails };
}

let phoneNo = 0;

export async function buildWorld(): Promise<FuzzWorld & { regIds: string[] }> {
  await seedCatalog({ onlyEmpty: false });
  const users: FuzzWorld['users'] = [];
  const regIds: string[] = [];
  for (let i = 0; i < 3; i++) {
    const phone = `0033699${String(process.pid % 1000).padStart(3, '0')}${String(++phoneNo).padStart(3, '0')}`;
    const regId = `${FUZZ_REG_TOKEN}-${i}-${new Types.ObjectId().toHexString()}`;
    regIds.push(regId);
    const u = await createTestUser({ phone, reg_id: regId, os: i === 1 ? 'ios' : 'android' });
    users.push({ id: u.id, phone, cookie: await sessionCookie(u.id), email: u.email, password: u.password });
  }
  const mk = (from: number, to: number) => ({
    sender_id: new Types.ObjectId(users[from]!.id),
    receiver_id: new Types.ObjectId(users[to]!.id),
    message: `seed ${from}->${to}`,
    created_at: new Date(Date.now() - 3600_000),
    delivery_time: new Date(Date.now() - 1800_000),
    receive_label: 'one hour ago',
    receive_color: RECEIVE_COLORS[0],
  });
  const own = await Message.insertMany([mk(1, 0), mk(2, 0)]);
  const other = await Message.insertMany([mk(0, 1), mk(2, 1), mk(0, 2)]);
  // Delivered half an hour ago: their pushes ended (push_outcomes), as the worker records it.
  await PushOutcome.insertMany(
    [...own, ...other].map((m) => ({
      _id: m._id.toHexString(),
      kind: 'message',
      message_id: m._id,
      user_id: m.receiver_id,
      outcome: 'sent',
      attempts: 1,
      due_at: m.delivery_time,
      at: m.delivery_time,
      worker: 'fuzz seed',
    })),
  );
  const choices = await SendChoice.find({}, { _id: 1 }).lean();
  return {
    users,
    regIds,
    ownMessageIds: own.map((m) => m._id.toHexString()),
    otherMessageIds: other.map((m) => m._id.toHexString()),
    sendChoiceKeys: choices.map((c) => String(c._id)),
  };
}

export interface DbCheck {
  problems: string[];
  messages: number;
  trackedSends: number;
  acceptedSends: number;
  expectedTracked: number;
  storedTracked: number;
}

const isDate = (d: unknown) => d instanceof Date && !Number.isNaN(d.getTime());

/**
 * Phones whose owner may have changed during the run (the world's own, and every number a
 * define_first_phone_number accepted): a send to `num<phone>` went to whoever owned it at
 * that moment, or became a bottle, which the end state cannot tell.
 */
function movedPhones(world: FuzzWorld, samples: Sample[]): Set<string> {
  const moved = new Set(world.users.map((u) => u.phone));
  for (const { c, a } of samples) {
    if (c.path !== '/define_first_phone_number' || a.status !== 200 || c.body.kind !== 'form') continue;
    const phone = c.body.pairs.find(([k]) => k === 'phone_number')?.[1];
    if (phone) moved.add(phone.trim());
  }
  return moved;
}

/**
 * Messages one accepted send must store: one per distinct receiver. A moved phone's
 * receiver is either someone already counted or one more, hence a range.
 */
function expectedMessages(receivers: string[], userOfPhone: Map<string, string>, moved: Set<string>) {
  const fixed = new Set<string>();
  const uncertain = new Set<string>();
  for (const r of receivers) {
    if (r.startsWith('id')) fixed.add(r.slice(2));
    else if (moved.has(r.slice(3))) uncertain.add(r.slice(3));
    else fixed.add(userOfPhone.get(r.slice(3)) ?? r);
  }
  return { min: Math.max(fixed.size, uncertain.size > 0 ? 1 : 0), max: fixed.size + uncertain.size };
}

/**
 * A request Express routes to POST /send: its routing ignores case and a trailing slash, and
 * the fuzz mutates paths that way (`/send/` stores messages like `/send`).
 */
const isSend = (path: string) => /^\/send\/?$/i.test(path);

/**
 * Nothing half-stored: every message is complete, every pending message to an account
 * has its push job, a /send answered 4xx stored nothing, and a /send answered 200 stored
 * one message per distinct receiver (exactly when the receivers are known).
 */
export async function checkDatabase(
  world: FuzzWorld,
  samples: Sample[],
  seededMessages: number,
): Promise<DbCheck> {
  const problems: string[] = [];
  // Through the model, which decrypts the texts (src/models/encrypted.ts); types as stored.
  const messages = (await Message.find({}).lean()) as unknown as Record<string, unknown>[];
  // A message's push waits in push_jobs or push_schedule, or has ended (push_outcomes).
  const jobs = new Set<string>();
  for (const collection of [PushJob.collection, PushSchedule.collection, PushOutcome.collection]) {
    const found = await collection.find({ kind: 'message' }, { projection: { message_id: 1 } }).toArray();
    for (const j of found) jobs.add(String(j.message_id));
  }
  for (const m of messages) {
    const id = String(m._id);
    const bad: string[] = [];
    if (!(m.sender_id instanceof Types.ObjectId)) bad.push('sender_id');
    if (
      !(m.receiver_id instanceof Types.ObjectId) &&
      !(m.receiver_id === null && typeof m.receiver_phone === 'string' && m.receiver_phone !== '')
    )
      bad.push('receiver');
    if (!isDate(m.created_at) || !isDate(m.delivery_time)) bad.push('dates');
    for (const f of ['message', 'photo_id', 'video_id', 'sound_id', 'receive_label'])
      if (typeof m[f] !== 'string') bad.push(f);
    if (!(RECEIVE_COLORS as readonly string[]).includes(m.receive_color as string)) bad.push('receive_color');
    if (m.version !== '1.0') bad.push('version');
    if (typeof m.blocked !== 'boolean') bad.push('blocked');
    if (!m.blocked && m.receiver_id && !jobs.has(id)) bad.push('no push job');
    if (bad.length) problems.push(`message ${id} incomplete: ${bad.join(', ')}`);
  }
  const byText = new Map<string, number>();
  for (const m of messages) byText.set(m.message as string, (byText.get(m.message as string) ?? 0) + 1);

  const userOfPhone = new Map(world.users.map((u) => [u.phone, u.id]));
  const owners = await PhoneOwner.find({}).lean();
  for (const o of owners) userOfPhone.set(o._id, o.user_id.toHexString());
  const moved = movedPhones(world, samples);
  let trackedSends = 0;
  let acceptedSends = 0;
  let expectedTracked = 0;
  let storedTracked = 0;
  const markers = new Set<string>();
  for (const { c, a } of samples) {
    if (isSend(c.path) && c.method === 'POST' && a.status === 200) acceptedSends += 1;
    if (!c.marker) continue;
    markers.add(c.marker);
    trackedSends += 1;
    const stored = byText.get(c.marker) ?? 0;
    storedTracked += stored;
    if (a.status !== 200) {
      if (stored !== 0) problems.push(`send ${c.marker} answered ${a.status} but stored ${stored} messages`);
      continue;
    }
    if (c.unknownReceiver) problems.push(`send ${c.marker} with an unknown receiver answered 200`);
    if (c.receivers) {
      const { min, max } = expectedMessages(c.receivers, userOfPhone, moved);
      expectedTracked += min;
      if (stored < min || stored > max) {
        const want = min === max ? `${min}` : `${min} to ${max}`;
        problems.push(`send ${c.marker} answered 200 with ${want} receivers but stored ${stored}`);
      }
    } else if (stored === 0) {
      problems.push(`send ${c.marker} answered 200 but stored nothing`);
    }
  }
  // Messages from sends whose text was fuzzed: only from sends answered 200.
  const untrackedAccepted = samples.filter(
    ({ c, a }) => isSend(c.path) && c.method === 'POST' && a.status === 200 && !c.marker,
  ).length;
  const untracked = messages.length - seededMessages - storedTracked;
  if (untracked > 0 && untrackedAccepted === 0)
    problems.push(`${untracked} messages stored by sends that were not answered 200`);
  for (const t of byText.keys())
    if (t.startsWith('fz-') && !markers.has(t)) problems.push(`message with unknown marker ${t}`);

  const users = await User.collection.find({}).toArray();
  for (const u of users) {
    if (typeof u.email !== 'string' || u.email === '') problems.push(`user ${String(u._id)} without email`);
    if (!u.password && !u.legacy_password) problems.push(`user ${String(u._id)} without password`);
  }
  for (const o of owners) {
    const u = users.find((x) => String(x._id) === o.user_id.toHexString());
    if (!u) problems.push(`phone owner ${o._id} of a missing user`);
  }
  return { problems, messages: messages.length, trackedSends, acceptedSends, expectedTracked, storedTracked };
}

/** Secrets of the world that must never show in a log line or an answer. */
export async function secretsOf(world: FuzzWorld & { regIds: string[] }, app: FuzzApp): Promise<string[]> {
  const users = await User.collection.find({}, { projection: { password: 1 } }).toArray();
  const hashes = users.map((u) => u.password as unknown).filter((p): p is string => typeof p === 'string');
  const codes = app.mails.flatMap((m) => {
    const code = /code[^:]*:\s*([A-Z0-9]{4,})/.exec(m.text)?.[1];
    return code && /[A-Z]/.test(code) ? [code] : [];
  });
  const sessionIds = (
    await mongoose.connection
      .collection('sessions')
      .find({}, { projection: { _id: 1 } })
      .toArray()
  ).map((s) => String(s._id));
  return [
    ...hashes,
    ...world.users.map((u) => u.password),
    ...world.regIds,
    ...codes.map((c) => `\\b${c}\\b`),
    ...sessionIds,
    app.config.SESSION_SECRET,
  ];
}

/** Lines (logs or answers) that contain one of the secrets; a secret `\b…\b` is a word regex. */
export function leaks(secrets: string[], texts: string[]): string[] {
  const found: string[] = [];
  const tests = secrets.map((s) =>
    s.startsWith('\\b') ? { s, re: new RegExp(s) } : { s, re: undefined as RegExp | undefined },
  );
  for (const t of texts) {
    for (const { s, re } of tests) {
      if (re ? re.test(t) : t.includes(s)) found.push(`${s.slice(0, 12)}… in ${t.slice(0, 160)}`);
    }
  }
  return found;
}
