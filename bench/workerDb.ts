/**
 * Where the worker's time goes: the real worker (workers/createWorker.ts: the notification
 * loop, with the periodic jobs scheduled once a year) run in this process on a backlog of
 * due messages, against the fake FCM, with every database command timed (command
 * monitoring: started -> succeeded). Gives the round trips per push by command and the
 * database time each kind takes.
 */
import { Writable } from 'node:stream';
import mongoose from 'mongoose';
import type { CommandFailedEvent, CommandStartedEvent, CommandSucceededEvent } from 'mongodb';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { stackDataKeys } from '../scripts/lib/stack';
import { createWorker } from '../workers/createWorker';
import { benchDb, connectBench } from './inProcess';
import { during, say } from './progress';
import { insertAll, insertUsers, messageDoc, pushJobDoc, userDocs } from './seed';
import type { Providers } from './worker';

export interface CommandTime {
  command: string;
  perPush: number;
  meanMs: number;
  totalMs: number;
}

export interface WorkerDbResult {
  backlog: number;
  seconds: number;
  pushes: number;
  commands: CommandTime[];
}

function timeCommands() {
  const started = new Map<number, string>();
  const totals = new Map<string, { n: number; ms: number }>();
  const client = mongoose.connection.getClient();
  client.on('commandStarted', (e: CommandStartedEvent) => {
    const target: unknown = e.command[e.commandName];
    started.set(e.requestId, `${e.commandName} ${typeof target === 'string' ? target : ''}`.trim());
  });
  const done = (e: CommandSucceededEvent | CommandFailedEvent) => {
    const key = started.get(e.requestId);
    if (!key) return;
    started.delete(e.requestId);
    const t = totals.get(key) ?? { n: 0, ms: 0 };
    t.n += 1;
    t.ms += e.duration;
    totals.set(key, t);
  };
  client.on('commandSucceeded', done);
  client.on('commandFailed', done);
  return totals;
}

export async function runWorkerDb(uri: string, p: Providers, backlog: number, seconds: number) {
  say(`== worker database time per push (the loop in process, ${backlog} due, ${seconds} s)`);
  await connectBench(uri);
  const db = benchDb();
  const users = await userDocs(backlog, 'receiver');
  await insertUsers(db, users, 'worker db');
  const now = Date.now();
  const messages = users.map((u) =>
    messageDoc({
      sender: users[0]!._id,
      receiver: u._id,
      createdAt: new Date(now - 86_400_000),
      delivery: new Date(now - 60_000),
    }),
  );
  await insertAll(db, 'messages', messages, 'worker db: messages');
  await insertAll(db, 'push_jobs', messages.map(pushJobDoc), 'worker db: push jobs');
  const config = loadConfig({
    NODE_ENV: 'production',
    MONGODB_URI: uri,
    SESSION_SECRET: 'bench-session-secret-not-for-production-0123456789',
    DATA_KEYS: stackDataKeys(),
    PUBLIC_URL: 'http://localhost/',
    // Periodic jobs once a year: only the delivery loop's commands are timed.
    WORKER_SWEEP_CRON: '0 0 1 1 *',
    WORKER_REMINDER_CRON: '0 0 1 1 *',
    WORKER_CLEANUP_CRON: '0 0 1 1 *',
    ...p.env,
  });
  const logger = createLogger('warn', new Writable({ write: (_c, _e, cb) => cb() }));
  const worker = await createWorker({
    config,
    logger,
    connection: mongoose.connection,
    workerId: 'bench',
    push: { ca: [p.fcm.ca] },
  });
  const tokens = new Set(users.map((u) => u.device.reg_id));
  const mark = p.fcm.requests.length;
  const totals = timeCommands();
  const t = Date.now();
  await worker.start();
  await during(
    (s) => `worker loop in process ${s}/${seconds} s`,
    new Promise((r) => setTimeout(r, seconds * 1000)),
  );
  await worker.stop(10_000);
  const elapsed = (Date.now() - t) / 1000;
  const pushes = p.fcm.requests.slice(mark).filter((r) => tokens.has(r.token)).length;
  const commands = [...totals]
    .map(([command, x]) => ({
      command,
      perPush: x.n / Math.max(pushes, 1),
      meanMs: x.ms / x.n,
      totalMs: x.ms,
    }))
    .sort((a, b) => b.totalMs - a.totalMs);
  return { backlog, seconds: elapsed, pushes, commands } satisfies WorkerDbResult;
}
