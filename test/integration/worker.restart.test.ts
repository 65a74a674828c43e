/**
 * A database restart while a worker runs: the worker backs off instead of dying or
 * spinning, and delivers everything (each message once) when the database is back.
 * Uses a database of its own on a fixed port, stopped and started on the same folder.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import { startDevDb, type DevDb } from '../../scripts/lib/devdb';
import { freePort } from '../../scripts/lib/stack';
import { Message, PushJob, PushOutcome } from '../../src/models';
import { indexTestDatabase } from '../helpers/db';
import { startFakeFcm, type FakeFcm } from '../helpers/fakeFcm';
import { eventually, queueMany, sleep } from '../helpers/workerFixtures';
import { startedWorker, type WorkerHandle } from '../helpers/workerProcess';

jest.setTimeout(90_000);

const dir = mkdtempSync(path.join(os.tmpdir(), 'pictever-restart-'));
let port = 0;
let devdb: DevDb | undefined;
let fcm: FakeFcm;
let worker: WorkerHandle | undefined;
const uri = () => `mongodb://127.0.0.1:${port}/restart`;

beforeAll(async () => {
  port = await freePort();
  devdb = await startDevDb({ dir, port, throwAway: true });
  await mongoose.connect(uri(), { serverSelectionTimeoutMS: 5_000 });
  await indexTestDatabase();
  fcm = await startFakeFcm();
});

afterAll(async () => {
  await worker?.stop('SIGKILL');
  await mongoose.disconnect();
  await devdb?.stop();
  await fcm?.close();
});

/** Says what was left and what the worker last said, to tell a slow machine from a bug. */
async function explain(w: WorkerHandle, err: Error): Promise<never> {
  const pending = (await Message.countDocuments({})) - (await PushOutcome.countDocuments({}));
  const said = w.logs
    .filter((l) => Number(l.level) >= 40)
    .slice(-5)
    .map((l) => l.msg);
  throw new Error(`${err.message}: ${pending} pending, worker last warned ${JSON.stringify(said)}`);
}

describe('a database restart', () => {
  it('when the database goes away and comes back then the worker delivers everything once', async () => {
    const start = Date.now() + 2000;
    // 60 messages due over 6 s: some before, during and after the outage.
    const batches = await Promise.all(
      Array.from({ length: 6 }, (_, i) => queueMany(10, new Date(start + i * 1000))),
    );
    const w = await startedWorker({
      MONGODB_URI: uri(),
      FCM_CREDENTIALS: fcm.credentials,
      FCM_API_URL: fcm.url,
      NODE_EXTRA_CA_CERTS: fcm.caFile,
    });
    worker = w;
    await eventually(() => fcm.requests.length > 0, 10_000, 'the first pushes');

    await devdb!.stop();
    const failed = () => w.logs.some((l) => l.msg === 'push queue scan failed; backing off');
    await eventually(failed, 15_000, 'the worker to notice');
    await sleep(1000);
    devdb = await startDevDb({ dir, port, throwAway: true });

    const all = new Set(batches.flatMap((b) => b.users.map((u) => u.device!.reg_id)));
    const pushed = () => new Set(fcm.requests.map((r) => r.token)).size === all.size;
    await eventually(pushed, 40_000, 'every push').catch((err: Error) => explain(w, err));
    const recorded = async () =>
      (await PushOutcome.countDocuments({})) === (await Message.countDocuments({})) &&
      (await PushJob.countDocuments({})) === 0;
    await eventually(recorded, 20_000, 'the records').catch((err: Error) => explain(w, err));
    expect(fcm.requests).toHaveLength(all.size); // none twice
    const scanErrors = w.logs.filter((l) => l.msg === 'push queue scan failed; backing off').length;
    expect(scanErrors).toBeLessThan(30); // backed off, did not spin
    expect(w.running()).toBe(true); // the same process throughout
  });
});
