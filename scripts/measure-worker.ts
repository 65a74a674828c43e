/**
 * Measures the notification worker: seeds N due messages (one Android receiver each),
 * runs real worker processes against a fake FCM, and prints the lag from each message's
 * due time to the push reaching the provider (p50, p99, max) and pushes per second.
 *
 *   npx tsx scripts/measure-worker.ts [--messages 5000] [--workers 1] [--spread-ms 0]
 *
 * --spread-ms spreads the due times evenly over that span (a steady load) instead of
 * making them all due at once (a burst). Uses MONGODB_URI if set, else a fresh embedded
 * database.
 */
import mongoose from 'mongoose';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config';
import { syncIndexes } from '../src/db/indexes';
import { createLogger } from '../src/logger';
import { Message } from '../src/models';
import { startFakeFcm } from '../test/helpers/fakeFcm';
import { messageDoc, jobDoc, receiverDoc } from '../test/helpers/workerFixtures';
import { startProcess, startDatabase, useStackDataKeys, type ProcessHandle } from './lib/stack';
import { PushJob, User } from '../src/models';

const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '5000' },
    workers: { type: 'string', default: '1' },
    'spread-ms': { type: 'string', default: '0' },
    concurrency: { type: 'string', default: '16' },
  },
});

const say = (line: string) => process.stdout.write(`${line}\n`);

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
}

async function seed(n: number, startAt: number, spreadMs: number): Promise<Map<string, number>> {
  const dueByToken = new Map<string, number>();
  for (let i = 0; i < n; i += 500) {
    const users = Array.from({ length: Math.min(500, n - i) }, () => receiverDoc());
    const messages = users.map((u, k) => {
      const due = new Date(startAt + (spreadMs * (i + k)) / n);
      dueByToken.set(u.device!.reg_id, due.getTime());
      return messageDoc(u._id, { due });
    });
    await User.insertMany(users);
    await Message.insertMany(messages);
    await PushJob.insertMany(messages.map(jobDoc));
  }
  return dueByToken;
}

async function main(): Promise<void> {
  const n = Number(args.messages);
  const spreadMs = Number(args['spread-ms']);
  const { uri, devdb } = await startDatabase(`measure_${Date.now()}`);
  await mongoose.connect(uri);
  await syncIndexes(mongoose.connection, loadConfig({ NODE_ENV: 'test' }), createLogger('warn'));
  useStackDataKeys(); // the workers started below hold the same keys
  const fcm = await startFakeFcm();
  const workers: ProcessHandle[] = [];
  const abort = () => {
    void Promise.all(workers.map((w) => w.stop('SIGKILL')))
      .then(() => devdb?.stop())
      .finally(() => process.exit(130));
  };
  process.once('SIGINT', abort);
  process.once('SIGTERM', abort);
  for (let i = 0; i < Number(args.workers); i++) {
    workers.push(
      startProcess(
        'workers/notifier.ts',
        {
          MONGODB_URI: uri,
          FCM_CREDENTIALS: fcm.credentials,
          FCM_API_URL: fcm.url,
          NODE_EXTRA_CA_CERTS: fcm.caFile,
          WORKER_CONCURRENCY: String(args.concurrency),
          LOG_LEVEL: 'warn',
        },
        (line) => process.stderr.write(`worker ${i}: ${line}\n`),
      ),
    );
  }
  // Due only once the seeding is done and the workers are up (about 2 ms a message here).
  const startAt = Date.now() + 4000 + 2 * n;
  const seedStart = Date.now();
  const dueByToken = await seed(n, startAt, spreadMs);
  say(`seeded ${n} messages in ${Date.now() - seedStart} ms; first due at +${startAt - Date.now()} ms`);
  while (new Set(fcm.requests.map((r) => r.token)).size < n) {
    await new Promise((r) => setTimeout(r, 200));
    if (Date.now() - startAt > 30 * 60_000) throw new Error('gave up after 30 minutes');
  }
  const lags = fcm.requests.map((r) => r.at - dueByToken.get(r.token)!).sort((a, b) => a - b);
  const first = Math.min(...fcm.requests.map((r) => r.at));
  const last = Math.max(...fcm.requests.map((r) => r.at));
  const early = lags.filter((l) => l < 0).length;
  say(`workers ${workers.length} x concurrency ${args.concurrency}, ${n} messages, due over ${spreadMs} ms`);
  say(
    `pushes ${fcm.requests.length} (${fcm.requests.length - n} duplicates), ${early} before their due time`,
  );
  say(`lag ms: p50 ${quantile(lags, 0.5)}  p99 ${quantile(lags, 0.99)}  max ${lags.at(-1)}`);
  say(`throughput: ${((n / Math.max(1, last - first)) * 1000).toFixed(1)} pushes/s over ${last - first} ms`);
  await Promise.all(workers.map((w) => w.stop('SIGTERM')));
  await fcm.close();
  await mongoose.disconnect();
  await devdb?.stop();
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
