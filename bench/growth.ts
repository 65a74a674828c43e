/**
 * Phase 4, growth: the same requests with a small and a large number of stored messages
 * (other users' messages, half delivered in the past year, half pending in the next one
 * with their push jobs, as /send leaves them). Timed one at a time on our app in process
 * (inProcess.ts), with the round trips counted, and one worker claim (the worker's own
 * functions: the due-jobs scan, then the claim).
 */
import { Types } from 'mongoose';
import type { Db } from 'mongodb';
import { claimBatch } from '../workers/delivery/claims';
import { findDue, readyAt } from '../workers/delivery/find';
import { seedApiWorld, type ApiWorld } from './apiWorld';
import { call, loginBody, loginCookie } from './http';
import { benchDb, connectBench, startOursInProcess, type CommandLog } from './inProcess';
import { ourEnv } from './procs';
import { say } from './progress';
import {
  insertAll,
  insertUsers,
  messageDoc,
  pushJobDoc,
  storedMessages,
  userDocs,
  type UserDoc,
} from './seed';

export interface GrowthOp {
  name: string;
  /** Median milliseconds per size. */
  ms: number[];
  trips: number[];
}

export interface GrowthResult {
  sizes: number[];
  pushJobs: number[];
  ops: GrowthOp[];
  reps: number;
}

interface Measured {
  ms: number;
  trips: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function timed(commands: CommandLog, fn: () => Promise<unknown>): Promise<Measured> {
  let ms = 0;
  const names = await commands.record(async () => {
    const t = performance.now();
    await fn();
    ms = performance.now() - t;
  });
  return { ms, trips: names.length };
}

/** Other users' messages up to `total` stored messages. */
async function fillTo(db: Db, total: number, others: UserDoc[]): Promise<void> {
  const have = await db.collection('messages').countDocuments();
  const { messages, jobs, outcomes } = storedMessages(Math.max(0, total - have), others);
  await insertAll(db, 'messages', messages, `growth: messages to ${total}`);
  await insertAll(db, 'push_outcomes', outcomes, `growth: push outcomes`);
  await insertAll(db, 'push_schedule', jobs, `growth: push jobs`);
}

/** Due message jobs for the claim measurements, one per claim. */
async function queueDue(db: Db, receiver: UserDoc, sender: UserDoc, n: number): Promise<void> {
  const now = Date.now();
  const messages = Array.from({ length: n }, (_, i) =>
    messageDoc({
      sender: sender._id,
      receiver: receiver._id,
      createdAt: new Date(now - 86_400_000),
      delivery: new Date(now - 1_000 - i),
    }),
  );
  await db.collection('messages').insertMany(messages);
  await db.collection('push_jobs').insertMany(messages.map(pushJobDoc));
}

async function oneClaim(): Promise<void> {
  const now = Date.now();
  const due = (await findDue(now, 500, 64)).filter((j) => readyAt(j) <= now);
  if (!due[0]) throw new Error('growth: no due push job to claim');
  const { claims } = await claimBatch([due[0]], { workerId: 'bench', leaseMs: 30_000, now: Date.now });
  if (!claims[0]) throw new Error('growth: the claim was refused');
}

/** The requests timed at each size, by name as the report prints them. */
function requests(baseUrl: string, cookie: string, login: { email: string; regId: string }) {
  return [
    ['GET /receive_all (50 messages, 20 senders)', () => call(baseUrl, 'GET', '/receive_all?ts=0', cookie)],
    [
      'GET /get_number_of_future_messages',
      () => call(baseUrl, 'GET', '/get_number_of_future_messages', cookie),
    ],
    ['GET /get_my_status', () => call(baseUrl, 'GET', '/get_my_status', cookie)],
    ['GET /get_address_book', () => call(baseUrl, 'GET', '/get_address_book', cookie)],
    [
      'POST /login (bcrypt included)',
      () => call(baseUrl, 'POST', '/login', undefined, loginBody(login.email, login.regId)),
    ],
  ] as const;
}

async function measureAt(
  db: Db,
  commands: CommandLog,
  timedRequests: ReturnType<typeof requests>,
  reps: number,
): Promise<Measured[]> {
  const results: Measured[][] = [...timedRequests.map(() => []), []];
  for (let i = 0; i <= reps; i++) {
    const round: Measured[] = [];
    for (const [, request] of timedRequests) round.push(await timed(commands, request));
    round.push(await timed(commands, oneClaim));
    // The claimed job is done with: remove it and its claim, as a finished delivery would.
    const claimed = await db.collection('push_claims').find({ worker: 'bench' }).toArray();
    await db
      .collection('push_jobs')
      .deleteMany({ _id: { $in: claimed.map((c) => c.job_id as Types.ObjectId) } });
    await db.collection('push_claims').deleteMany({ worker: 'bench' });
    if (i === 0) continue; // the first round warms the process up
    round.forEach((m, k) => results[k]!.push(m));
  }
  return results.map((rs) => ({ ms: median(rs.map((r) => r.ms)), trips: median(rs.map((r) => r.trips)) }));
}

export async function runGrowthPhase(uri: string, queryLogDir: string, sizes: number[], reps: number) {
  say(`== growth: ${sizes.join(' and ')} stored messages`);
  const commands = await connectBench(uri);
  const db = benchDb();
  const world: ApiWorld = await seedApiWorld(db);
  const others = await userDocs(200, 'other');
  await insertUsers(db, others, 'growth');
  const server = await startOursInProcess(ourEnv(uri, queryLogDir), commands);
  try {
    const cookie = await loginCookie(server.baseUrl, world.receiver.email, world.receiver.device.reg_id);
    const login = { email: world.receiver.email, regId: world.receiver.device.reg_id };
    const timedRequests = requests(server.baseUrl, cookie, login);
    const ops: GrowthOp[] = [
      ...timedRequests.map(([name]) => ({ name, ms: [], trips: [] })),
      { name: 'worker: due-jobs scan + one claim', ms: [], trips: [] },
    ];
    const pushJobs: number[] = [];
    for (const size of sizes) {
      await fillTo(db, size - (reps + 1), others);
      await queueDue(db, world.bob, world.alice, reps + 1);
      pushJobs.push(await db.collection('push_jobs').countDocuments());
      say(`measuring at ${await db.collection('messages').countDocuments()} stored messages`);
      const measured = await measureAt(db, commands, timedRequests, reps);
      measured.forEach((r, i) => {
        ops[i]!.ms.push(r.ms);
        ops[i]!.trips.push(r.trips);
      });
    }
    return { sizes, pushJobs, ops, reps } satisfies GrowthResult;
  } finally {
    await server.close();
  }
}
