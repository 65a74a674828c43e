/**
 * Phase 2, the notification worker against the fake providers (test/helpers/fakeFcm.ts,
 * fakeApns.ts), which record when each push reaches them. What the worker phases share
 * lives here (the providers, the workers' settings, pushes and lags), with the steady
 * phase: messages falling due at a fixed rate, and the lag from each one's due time (its
 * delivery_time) to the provider receiving its push. The burst phase is burst.ts.
 * Each receiver has its own token, so every push names its message, and a second push
 * of one message shows up as a doubled one.
 */
import type { Db } from 'mongodb';
import type { FakeApns } from '../test/helpers/fakeApns';
import type { FakeFcm } from '../test/helpers/fakeFcm';
import { DAY_MS } from '../src/domain/time';
import { SCHEDULE_AHEAD_MS } from '../src/models/pushJob';
import { benchDb, connectBench } from './inProcess';
import { ourEnv, startOurWorker } from './procs';
import { say, step, endStep } from './progress';
import { insertAll, insertUsers, messageDoc, pushJobDoc, userDocs, type UserDoc } from './seed';
import { BENCH_OPERATOR_TOKEN } from './workerProbe';

export interface Providers {
  fcm: FakeFcm;
  apns: FakeApns;
  env: Record<string, string>;
  /** Added by the fakes before each answer (--provider-latency-ms). */
  latencyMs: number;
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

export interface Push {
  token: string;
  at: number;
}

export type Mark = { fcm: number; apns: number };

/** Pushes the fakes received since `mark`. */
export function pushesSince(p: Providers, mark: Mark): Push[] {
  return [...p.fcm.requests.slice(mark.fcm), ...p.apns.requests.slice(mark.apns)];
}

export const markOf = (p: Providers): Mark => ({ fcm: p.fcm.requests.length, apns: p.apns.requests.length });

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** Receivers with a token each, half Android (FCM) and half iOS (APNs), and 20 senders. */
export async function receivers(
  db: Db,
  n: number,
  label: string,
): Promise<{ users: UserDoc[]; senders: UserDoc[] }> {
  const users = await userDocs(n, 'receiver', (i) => (i % 2 === 0 ? 'android' : 'ios'));
  const senders = await userDocs(20, 'sender');
  await insertUsers(db, [...users, ...senders], label);
  return { users, senders };
}

/** Messages to `users`, the i-th due at `dueOf(i)`. */
export function messagesTo(users: UserDoc[], senders: UserDoc[], dueOf: (i: number) => number) {
  return users.map((u, i) =>
    messageDoc({
      sender: senders[i % senders.length]!._id,
      receiver: u._id,
      createdAt: new Date(dueOf(i) - 30 * DAY_MS),
      delivery: new Date(dueOf(i)),
    }),
  );
}

/**
 * Stores messages and queues their pushes as the web does (src/services/pushes/queue.ts):
 * due within SCHEDULE_AHEAD_MS into push_jobs, later into push_schedule, from which the
 * worker's promote job moves them.
 */
export async function insertMessages(db: Db, messages: ReturnType<typeof messagesTo>, label: string) {
  await insertAll(db, 'messages', messages, `${label}: messages`);
  const soon = Date.now() + SCHEDULE_AHEAD_MS;
  const jobs = messages.map(pushJobDoc);
  const near = jobs.filter((j) => j.due_at.getTime() <= soon);
  const later = jobs.filter((j) => j.due_at.getTime() > soon);
  if (near.length > 0) await insertAll(db, 'push_jobs', near, `${label}: push jobs`);
  if (later.length > 0) await insertAll(db, 'push_schedule', later, `${label}: scheduled push jobs`);
}

/**
 * Every worker process of the bench: the bench's settings, the providers, the metrics port
 * (a free one, named in the "worker started" line) behind a token, and the periodic jobs
 * once a year, so that what is measured is the delivery alone.
 */
export function workerEnv(uri: string, queryLogDir: string, p: Providers): Record<string, string> {
  return {
    ...ourEnv(uri, queryLogDir),
    ...p.env,
    OPERATOR_TOKEN: BENCH_OPERATOR_TOKEN,
    WORKER_METRICS_PORT: '0',
    WORKER_SWEEP_CRON: '0 0 1 1 *',
    WORKER_REMINDER_CRON: '0 0 1 1 *',
    WORKER_CLEANUP_CRON: '0 0 1 1 *',
  };
}

/**
 * Lags from each token's due time to its first push, sorted; a token never pushed counts
 * as at least `endedAt` minus its due time. Also the pushes beyond the first of a token.
 */
export function lagsOf(dueOf: Map<string, number>, pushes: Push[], endedAt: number) {
  const firstPush = new Map<string, number>();
  let doubled = 0;
  for (const x of pushes) {
    if (!dueOf.has(x.token)) continue;
    const first = firstPush.get(x.token);
    if (first === undefined) firstPush.set(x.token, x.at);
    else {
      doubled += 1;
      if (x.at < first) firstPush.set(x.token, x.at); // two fakes' lists are not in time order
    }
  }
  const lags: Lag[] = [...dueOf].map(([token, due]) => {
    const at = firstPush.get(token);
    return at === undefined ? { ms: endedAt - due, atLeast: true } : { ms: at - due };
  });
  lags.sort((a, b) => a.ms - b.ms);
  return { lags, firstPush, doubled };
}

/**
 * Nearest-rank quantile of sorted lags. It is a lower bound when a lower bound sits at or
 * below its rank: that message's real lag may be above it, pushing the quantile up.
 */
export function quantile(sorted: Lag[], q: number): Lag {
  const k = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  const at = sorted[k];
  if (!at) return { ms: 0 };
  return { ms: at.ms, atLeast: sorted.slice(0, k + 1).some((l) => l.atLeast) || undefined };
}

/** Waits until every token was pushed or `deadline` passed; then a moment for late doubles. */
async function waitForAll(p: Providers, mark: Mark, tokens: Set<string>, deadline: number, label: string) {
  for (;;) {
    const seen = new Set(pushesSince(p, mark).map((x) => x.token));
    const done = [...tokens].filter((t) => seen.has(t)).length;
    step(label, done, tokens.size);
    if (done >= tokens.size || Date.now() > deadline) break;
    await sleep(250);
  }
  endStep();
  await sleep(500);
  return pushesSince(p, mark);
}

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
    const messages = messagesTo(users, senders, (i) => first + Math.floor((i * 1000) / ratePerS));
    await insertMessages(db, messages, 'steady');
    const overran = Date.now() - first;
    const dueOf = new Map(users.map((u, i) => [u.device.reg_id, messages[i]!.delivery_time.getTime()]));
    const last = first + seconds * 1000;
    const pushes = await waitForAll(p, mark, new Set(dueOf.keys()), last + waitS * 1000, 'steady: pushed');
    const { lags, firstPush, doubled } = lagsOf(dueOf, pushes, Date.now());
    return {
      ratePerS,
      seconds,
      messages: n,
      p50: quantile(lags, 0.5),
      p99: quantile(lags, 0.99),
      max: quantile(lags, 1),
      early: lags.filter((l) => l.ms < 0).length,
      duplicates: doubled,
      missing: n - firstPush.size,
      waitS,
      note: overran > 0 ? `seeding ended ${overran} ms after the first due time` : undefined,
    };
  } finally {
    await worker.handle.stop();
  }
}
