/**
 * Phase 2, the notification worker against the fake providers (test/helpers/fakeFcm.ts,
 * fakeApns.ts), which record when each push reaches them:
 * - backlog: N messages already due when the workers start; pushes per second with 1
 *   and with 2 worker processes, and the workers' peak memory;
 * - steady: messages falling due at a fixed rate; lag from due time (the message's
 *   delivery_time) to the provider receiving the push.
 * Each receiver has its own token, so every push names its message, and a second push
 * of one message shows up as a duplicate.
 */
import type { Db } from 'mongodb';
import type { FakeApns } from '../test/helpers/fakeApns';
import type { FakeFcm } from '../test/helpers/fakeFcm';
import { benchDb, connectBench } from './inProcess';
import { ourEnv, peakRssMb, startOurWorker, type Proc } from './procs';
import { say, step, endStep } from './progress';
import { insertAll, insertUsers, messageDoc, pushJobDoc, userDocs, type UserDoc } from './seed';

export interface Providers {
  fcm: FakeFcm;
  apns: FakeApns;
  env: Record<string, string>;
}

export interface BacklogResult {
  workers: number;
  /** Due messages when the workers started. */
  messages: number;
  /** Messages pushed from the first push until all were pushed or the window closed. */
  pushed: number;
  seconds: number;
  pushesPerS: number;
  duplicates: number;
  peakRssMb: number | undefined;
}

export interface SteadyResult {
  ratePerS: number;
  seconds: number;
  messages: number;
  /** Lags in ms; a message not pushed by the end of the wait counts as longer than the wait. */
  p50: Lag;
  p99: Lag;
  max: Lag;
  early: number;
  duplicates: number;
  /** Not pushed within `waitS` after the last due time. */
  missing: number;
  waitS: number;
  note?: string;
}

/** A lag in ms, or a lower bound when the message was still not pushed. */
export type Lag = { ms: number; atLeast?: boolean };

interface Push {
  token: string;
  at: number;
}

/** Pushes the fakes received since `mark`. */
function pushesSince(p: Providers, mark: { fcm: number; apns: number }): Push[] {
  return [...p.fcm.requests.slice(mark.fcm), ...p.apns.requests.slice(mark.apns)];
}

const markOf = (p: Providers) => ({ fcm: p.fcm.requests.length, apns: p.apns.requests.length });

async function receivers(
  db: Db,
  n: number,
  label: string,
): Promise<{ users: UserDoc[]; senders: UserDoc[] }> {
  const users = await userDocs(n, 'receiver', (i) => (i % 2 === 0 ? 'android' : 'ios'));
  const senders = await userDocs(20, 'sender');
  await insertUsers(db, [...users, ...senders], label);
  return { users, senders };
}

/** Waits until every token was pushed, `deadline` passed, or `windowMs` since the first push. */
async function waitForAll(
  p: Providers,
  mark: { fcm: number; apns: number },
  tokens: Set<string>,
  deadline: number,
  label: string,
  windowMs = Infinity,
): Promise<Push[]> {
  for (;;) {
    const pushes = pushesSince(p, mark);
    const seen = new Set(pushes.map((x) => x.token).filter((t) => tokens.has(t)));
    step(label, seen.size, tokens.size);
    const firstAt = Math.min(...pushes.map((x) => x.at));
    if (seen.size >= tokens.size || Date.now() > deadline || Date.now() - firstAt > windowMs) {
      endStep();
      await new Promise((r) => setTimeout(r, 500)); // a late duplicate would show now
      return pushesSince(p, mark);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

function workerEnv(uri: string, queryLogDir: string, p: Providers) {
  return { ...ourEnv(uri, queryLogDir), ...p.env };
}

export async function runBacklog(
  uri: string,
  queryLogDir: string,
  p: Providers,
  n: number,
  workerCount: number,
  windowS: number,
): Promise<BacklogResult> {
  say(`== worker backlog: ${n} due messages, ${workerCount} worker process(es)`);
  await connectBench(uri);
  const db = benchDb();
  const { users, senders } = await receivers(db, n, 'backlog');
  const now = Date.now();
  const messages = users.map((u, i) =>
    messageDoc({
      sender: senders[i % senders.length]!._id,
      receiver: u._id,
      createdAt: new Date(now - 30 * 86_400_000),
      delivery: new Date(now - 600_000 + i),
    }),
  );
  await insertAll(db, 'messages', messages, 'backlog: messages');
  await insertAll(db, 'push_jobs', messages.map(pushJobDoc), 'backlog: push jobs');
  const tokens = new Set(users.map((u) => u.device.reg_id));
  const mark = markOf(p);
  const workers: Proc[] = [];
  try {
    for (const w of await Promise.all(
      Array.from({ length: workerCount }, () => startOurWorker(workerEnv(uri, queryLogDir, p))),
    )) {
      workers.push(w);
    }
    const deadline = Date.now() + (windowS + 60) * 1000;
    const pushes = await waitForAll(p, mark, tokens, deadline, 'backlog: pushed', windowS * 1000);
    const peak = Math.max(...workers.map((w) => peakRssMb(w.pid) ?? 0));
    const mine = pushes.filter((x) => tokens.has(x.token));
    const seen = new Set(mine.map((x) => x.token));
    const times = mine.map((x) => x.at);
    const seconds = times.length ? (Math.max(...times) - Math.min(...times)) / 1000 : 0;
    return {
      workers: workerCount,
      messages: n,
      pushed: seen.size,
      seconds,
      pushesPerS: seen.size / Math.max(seconds, 0.001),
      duplicates: mine.length - seen.size,
      peakRssMb: peak || undefined,
    };
  } finally {
    await Promise.all(workers.map((w) => w.handle.stop()));
  }
}

const quantile = (sorted: Lag[], q: number): Lag =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? { ms: 0 };

export async function runSteady(
  uri: string,
  queryLogDir: string,
  p: Providers,
  ratePerS: number,
  seconds: number,
  waitS: number,
): Promise<SteadyResult> {
  const n = ratePerS * seconds;
  say(`== worker steady load: ${ratePerS} messages falling due per second for ${seconds} s, 1 worker`);
  await connectBench(uri);
  const db = benchDb();
  const { users, senders } = await receivers(db, n, 'steady');
  const worker = await startOurWorker(workerEnv(uri, queryLogDir, p));
  try {
    // The first due time comes after the inserts: about 1 s per 2,000 messages with their jobs, plus 2 s.
    const mark = markOf(p);
    const first = Date.now() + 2_000 + Math.ceil(n / 2_000) * 1_000;
    const messages = users.map((u, i) =>
      messageDoc({
        sender: senders[i % senders.length]!._id,
        receiver: u._id,
        createdAt: new Date(first - 30 * 86_400_000),
        delivery: new Date(first + Math.floor((i * 1000) / ratePerS)),
      }),
    );
    await insertAll(db, 'messages', messages, 'steady: messages');
    await insertAll(db, 'push_jobs', messages.map(pushJobDoc), 'steady: push jobs');
    const overran = Date.now() - first;
    const dueOf = new Map(users.map((u, i) => [u.device.reg_id, messages[i]!.delivery_time.getTime()]));
    const last = first + seconds * 1000;
    const pushes = await waitForAll(p, mark, new Set(dueOf.keys()), last + waitS * 1000, 'steady: pushed');
    const ended = Date.now();
    const mine = pushes.filter((x) => dueOf.has(x.token));
    const firstPush = new Map<string, number>();
    for (const x of mine) if (!firstPush.has(x.token)) firstPush.set(x.token, x.at);
    const lags: Lag[] = [...dueOf].map(([token, due]) => {
      const at = firstPush.get(token);
      return at === undefined ? { ms: ended - due, atLeast: true } : { ms: at - due };
    });
    lags.sort((a, b) => a.ms - b.ms);
    return {
      ratePerS,
      seconds,
      messages: n,
      p50: quantile(lags, 0.5),
      p99: quantile(lags, 0.99),
      max: lags.at(-1) ?? { ms: 0 },
      early: lags.filter((l) => l.ms < 0).length,
      duplicates: mine.length - firstPush.size,
      missing: n - firstPush.size,
      waitS,
      note: overran > 0 ? `seeding ended ${overran} ms after the first due time` : undefined,
    };
  } finally {
    await worker.handle.stop();
  }
}
