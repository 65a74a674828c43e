/**
 * What a push costs the database (issue "Delivery at New-Year scale", item 1): a real worker
 * process pushes a burst of due messages through the fake FCM, and its own command counter
 * (pictever_worker_db_commands_total, from driver command monitoring) says how many commands
 * it sent on the way: at most two per push on average, reads included, and none at all on
 * `messages`, whose size grows with every message ever sent.
 */
import { Message, PushClaim, PushJob, PushOutcome } from '../../src/models';
import { useTestDatabase } from '../helpers/db';
import { startFakeFcm, type FakeFcm } from '../helpers/fakeFcm';
import { eventually, queueMany } from '../helpers/workerFixtures';
import { commandsWith, startedWorkerWithMetrics } from '../helpers/workerMetrics';
import type { WorkerHandle } from '../helpers/workerProcess';

jest.setTimeout(120_000);

const TOKEN = 'worker-operator-token';
const BURST = 400;
const db = useTestDatabase();
let fcm: FakeFcm;
let worker: WorkerHandle;
let base = '';

const scrape = async () =>
  (await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();

beforeAll(async () => {
  fcm = await startFakeFcm();
  fcm.setDelay(40); // a provider's latency: sends overlap, as in production
  ({ worker, base } = await startedWorkerWithMetrics(db.uri(), fcm, TOKEN));
});

afterAll(async () => {
  await worker?.stop();
  await fcm?.close();
});

describe('database commands per push', () => {
  it(`when ${BURST} messages fall due at once then each is pushed once, at most 2 commands a push, none on messages`, async () => {
    const before = await scrape();
    // Due once every job is written: the worker meets the burst whole, as at midnight.
    const { users } = await queueMany(BURST, new Date(Date.now() + 3000));
    await eventually(() => fcm.requests.length >= BURST, 60_000, 'every push');
    // Finished: every outcome recorded and every job removed from the queue.
    await eventually(
      async () =>
        (await PushJob.countDocuments({})) === 0 &&
        (await PushOutcome.countDocuments({ outcome: 'sent' })) === BURST,
      30_000,
      'the outcomes and the emptied queue',
    );
    const after = await scrape();
    const used = (labels: string) => commandsWith(after, labels) - commandsWith(before, labels);
    // The due-backlog gauge counts the queue at each scrape: the scrape's command, not a push's.
    const perPush = (used('') - used('command="aggregate",collection="push_jobs"')) / BURST;

    expect(new Set(fcm.requests.map((r) => r.token)).size).toBe(BURST);
    expect(fcm.requests).toHaveLength(BURST);
    expect(users.every((u) => fcm.requests.some((r) => r.token === u.device!.reg_id))).toBe(true);
    expect(perPush).toBeGreaterThan(0); // the counter moved: the worker did read and write
    expect(perPush).toBeLessThanOrEqual(2);
    expect(used('collection="messages"')).toBe(0);
    expect(used('command="update"')).toBe(0); // no per-push rewrite of any document
    expect(await Message.countDocuments({})).toBe(BURST); // messages stay as sent
    expect(await PushClaim.countDocuments({})).toBeGreaterThanOrEqual(BURST); // one claim each, kept
  });
});
