/**
 * Phases `encryption` and `rotation`: what encryption at rest (README "Privacy") costs.
 *
 * - Per request, in this process: the CPU the codec adds to a /send (its messages'
 *   texts and media ids encrypted, as the model's insert hook does it) and to a
 *   /receive_all page (decrypted as the model's read transform does it), in alternating
 *   rounds; and one /receive_all read of RECEIVE_MAX messages through the model, from
 *   messages stored encrypted against the same read of messages stored plain (text from
 *   before encryption, which the model hands on as it is): the whole read path's difference.
 * - Rotation: `rotate-keys` over N stored messages on a database of its own (every message
 *   has a text, every other one a photo id), then the re-run that finds nothing left.
 */
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { Types } from 'mongoose';
import type { Document } from 'mongodb';
import { encryptText } from '../src/crypto/codec';
import { installDataKeys } from '../src/crypto/current';
import { ENCRYPTED, contextOf, decryptFields, encryptFields } from '../src/crypto/fields';
import { newDataKey, parseDataKeys, type Keyring } from '../src/crypto/keyring';
import { Message } from '../src/models';
import { rotateKeys } from '../src/services/privacy/rotateKeys';
import { useStackDataKeys } from '../scripts/lib/stack';
import { benchDb, connectBench } from './inProcess';
import { during, endStep, say, step } from './progress';
import { messageDoc } from './seed';

/** A text as long as a typical one, and a media id as the apps send them. */
const TEXT_CHARS = 200;
const LONG_TEXT_CHARS = 20_000; // MESSAGE_MAX_CHARS
const PHOTO = 'photos/5f0c0ffee0ddba11c0ffee00/1764870000000.jpg';
const PAGE = 500; // RECEIVE_MAX
const ROUNDS = 5;

export interface CodecCost {
  request: string;
  what: string;
  /** Median CPU microseconds per request. */
  cpuUs: number;
}

export interface ReadCost {
  messages: number;
  plain: { wallMs: number; cpuMs: number };
  encrypted: { wallMs: number; cpuMs: number };
}

export interface RotationResult {
  messages: number;
  values: number;
  batchSize: number;
  seedSeconds: number;
  seconds: number;
  rerunSeconds: number;
  loadBefore: number[];
  loadAfter: number[];
}

export interface EncryptionResult {
  codec?: CodecCost[];
  read?: ReadCost;
  rotation?: RotationResult;
}

const text = (chars: number) => randomBytes(chars).toString('base64').slice(0, chars);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Median over ROUNDS of the CPU microseconds per call of `fn`, `reps` calls a round. */
function cpuPerCall(fn: () => void, reps: number): number {
  for (let i = 0; i < Math.min(reps, 20); i++) fn(); // warm
  const rounds: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const start = process.cpuUsage();
    for (let i = 0; i < reps; i++) fn();
    const used = process.cpuUsage(start);
    rounds.push((used.user + used.system) / reps);
  }
  return median(rounds);
}

/** The documents of one /send: one per receiver, one text and one media id for all. */
function sendDocs(receivers: number, chars: number) {
  const message = text(chars);
  return Array.from({ length: receivers }, () => ({ message, photo_id: PHOTO, video_id: '', sound_id: '' }));
}

function codecCosts(keyring: Keyring, reps: number): CodecCost[] {
  const spec = ENCRYPTED.messages;
  const send = (receivers: number, chars: number) => {
    const docs = sendDocs(receivers, chars);
    return () => {
      const cache = new Map<string, string>(); // one per insert, as the model's hook keeps it
      for (const d of docs) encryptFields(keyring, spec, d, cache);
    };
  };
  const receive = (messages: number) => {
    // Each message of a page was its own send: its own text, its own ciphertext.
    const stored = Array.from({ length: messages }, (_, i) =>
      encryptFields(keyring, spec, { message: text(TEXT_CHARS), photo_id: i % 2 ? PHOTO : '' }),
    );
    return () => {
      for (const d of stored) decryptFields(keyring, spec, { ...d });
    };
  };
  const cases: [string, string, () => void, number][] = [
    ['/send', `1 receiver, ${TEXT_CHARS}-character text and a photo id`, send(1, TEXT_CHARS), reps],
    ['/send', `300 receivers, the same`, send(300, TEXT_CHARS), Math.ceil(reps / 10)],
    [
      '/send',
      `1 receiver, ${LONG_TEXT_CHARS.toLocaleString('en-US')}-character text (the largest allowed)`,
      send(1, LONG_TEXT_CHARS),
      reps,
    ],
    ['/receive_all', `1 message`, receive(1), reps],
    ['/receive_all', `121 messages`, receive(121), Math.ceil(reps / 10)],
    ['/receive_all', `${PAGE} messages (RECEIVE_MAX, a full page)`, receive(PAGE), Math.ceil(reps / 20)],
  ];
  return cases.map(([request, what, fn, n]) => {
    step(`encryption: ${request} ${what}`);
    return { request, what, cpuUs: cpuPerCall(fn, n) };
  });
}

/** The /receive_all read (src/services/messages/receive.ts) of one receiver's page. */
function readPage(receiver: Types.ObjectId) {
  return Message.find(
    { receiver_id: receiver, blocked: false, delivery_time: { $lte: new Date() } },
    {
      push: 0,
      state: 0,
    },
  )
    .sort({ delivery_time: 1 })
    .limit(PAGE + 1)
    .lean();
}

async function readCost(reps: number): Promise<ReadCost> {
  const sender = new Types.ObjectId();
  const [encryptedTo, plainTo] = [new Types.ObjectId(), new Types.ObjectId()];
  const docs = (receiver: Types.ObjectId) =>
    Array.from({ length: PAGE }, (_, i) => ({
      ...messageDoc({
        sender,
        receiver,
        createdAt: new Date(Date.now() - 86_400_000),
        delivery: new Date(Date.now() - 3_600_000),
        text: text(TEXT_CHARS),
      }),
      photo_id: i % 2 ? PHOTO : '',
    }));
  await Message.insertMany(docs(encryptedTo)); // through the model: stored encrypted
  await benchDb().collection('messages').insertMany(docs(plainTo)); // stored plain, as before encryption
  const sides = [plainTo, encryptedTo];
  const rounds: { wallMs: number; cpuMs: number }[][] = [[], []];
  for (const to of sides) for (let i = 0; i < 3; i++) await readPage(to); // warm
  for (let r = 0; r < ROUNDS; r++) {
    for (const [k, to] of sides.entries()) {
      step(`encryption: reading ${PAGE} messages, round ${r + 1}/${ROUNDS}`);
      const cpu = process.cpuUsage();
      const t = performance.now();
      for (let i = 0; i < reps; i++) await readPage(to);
      const used = process.cpuUsage(cpu);
      rounds[k]!.push({
        wallMs: (performance.now() - t) / reps,
        cpuMs: (used.user + used.system) / 1000 / reps,
      });
    }
  }
  endStep();
  const side = (k: number) => ({
    wallMs: median(rounds[k]!.map((x) => x.wallMs)),
    cpuMs: median(rounds[k]!.map((x) => x.cpuMs)),
  });
  return { messages: PAGE, plain: side(0), encrypted: side(1) };
}

export async function runEncryptionPhase(
  uri: string,
  reps: number,
): Promise<Pick<EncryptionResult, 'codec' | 'read'>> {
  say('== encryption at rest: per-request cost (in process)');
  await connectBench(uri);
  useStackDataKeys();
  const keyring = parseDataKeys(newDataKey('bench'));
  const codec = codecCosts(keyring, reps);
  endStep();
  const read = await readCost(Math.max(3, Math.ceil(reps / 50)));
  return { codec, read };
}

/** `n` messages under `old`, inserted raw in batches (what a database holds before rotation). */
async function seedUnderOldKey(n: number, old: Keyring): Promise<number> {
  const spec = ENCRYPTED.messages;
  const sender = new Types.ObjectId();
  let values = 0;
  const batch = 1_000;
  for (let start = 0; start < n; start += batch) {
    const docs: Document[] = [];
    for (let i = start; i < Math.min(n, start + batch); i++) {
      const m = messageDoc({
        sender,
        receiver: new Types.ObjectId(),
        createdAt: new Date(),
        delivery: new Date(Date.now() + 86_400_000),
        text: `message ${i}: ${text(80)}`,
      });
      const photo = i % 2 ? `photos/${i}.jpg` : '';
      docs.push({
        ...m,
        message: encryptText(old, contextOf(spec, 'message'), m.message as string),
        photo_id: encryptText(old, contextOf(spec, 'photo_id'), photo),
      });
      values += photo ? 2 : 1;
    }
    await benchDb().collection('messages').insertMany(docs, { ordered: false });
    step('rotation: seeding', Math.min(n, start + batch), n);
  }
  endStep();
  return values;
}

export async function runRotationPhase(
  uri: string,
  messages: number,
  batchSize = 500,
): Promise<RotationResult> {
  say(`== rotate-keys over ${messages.toLocaleString('en-US')} messages`);
  await connectBench(uri);
  const old = parseDataKeys(newDataKey('old'));
  const rotated = parseDataKeys(`${newDataKey('new')},old:${old.current.key.toString('base64')}`);
  installDataKeys(rotated);
  const seeded = Date.now();
  const values = await seedUnderOldKey(messages, old);
  const seedSeconds = (Date.now() - seeded) / 1000;
  const loadBefore = os.loadavg();
  const progress = {
    begin: () => {},
    advance: (() => {
      let done = 0;
      return (k: number) => step('rotation: rewriting', (done += k), messages);
    })(),
    end: () => endStep(),
  };
  const started = Date.now();
  const report = await rotateKeys({ db: benchDb(), keyring: rotated, batchSize, progress });
  const seconds = (Date.now() - started) / 1000;
  const loadAfter = os.loadavg();
  const rewritten = report.collections.reduce((k, c) => k + c.rewritten, 0);
  if (rewritten !== values) throw new Error(`rotation rewrote ${rewritten} values of ${values}`);
  const rerunStarted = Date.now();
  const rerun = await during(
    (s) => `rotation: re-run (${s} s)`,
    rotateKeys({ db: benchDb(), keyring: rotated, batchSize }),
  );
  const rerunSeconds = (Date.now() - rerunStarted) / 1000;
  if (rerun.collections.some((c) => c.rewritten > 0)) throw new Error('the re-run found values to rewrite');
  return { messages, values, batchSize, seedSeconds, seconds, rerunSeconds, loadBefore, loadAfter };
}
