/**
 * Several real worker processes on one database: claims decide who pushes, a crashed
 * worker's leases are taken over, and SIGTERM drains and leaves nothing leased.
 */
import { Message, PushClaim, PushJob, PushOutcome, User } from '../../src/models';
import { claimId } from '../../src/models/pushClaim';
import { useTestDatabase } from '../helpers/db';
import { startFakeFcm, type FakeFcm } from '../helpers/fakeFcm';
import { eventually, queueMany, sleep } from '../helpers/workerFixtures';
import { startedWorker, type WorkerHandle } from '../helpers/workerProcess';

jest.setTimeout(200_000);

const db = useTestDatabase();
let fcm: FakeFcm;
const workers: WorkerHandle[] = [];

beforeAll(async () => {
  fcm = await startFakeFcm();
});

afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop('SIGKILL')));
  fcm.setDelay(0);
  fcm.requests.length = 0;
  await Promise.all([
    Message.deleteMany({}),
    PushClaim.deleteMany({}),
    PushJob.deleteMany({}),
    PushOutcome.deleteMany({}),
    User.deleteMany({}),
  ]);
});

afterAll(async () => {
  await fcm?.close();
});

const env = (extra: Record<string, string> = {}) => ({
  MONGODB_URI: db.uri(),
  FCM_CREDENTIALS: fcm.credentials,
  FCM_API_URL: fcm.url,
  NODE_EXTRA_CA_CERTS: fcm.caFile,
  ...extra,
});

async function spawn(extra: Record<string, string> = {}): Promise<WorkerHandle> {
  const w = await startedWorker(env(extra));
  workers.push(w);
  return w;
}

/** How many pushes each token got. */
function pushesByToken(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of fcm.requests) counts.set(r.token, (counts.get(r.token) ?? 0) + 1);
  return counts;
}

/** Messages whose push outcome is not recorded yet. */
const pendingCount = async () =>
  (await Message.countDocuments({})) - (await PushOutcome.countDocuments({ kind: 'message' }));
const recordedMessages = async () =>
  new Set((await PushOutcome.find({}).select({ message_id: 1 }).lean()).map((o) => String(o.message_id)));

describe('several notification workers', () => {
  it('when two workers share 2,000 due messages then every message is pushed exactly once', async () => {
    const { users } = await queueMany(2000, new Date());
    // The default lease: a lease only has to outlive a crash, and the embedded database's
    // writes can take seconds when the machine is busy.
    const settings = { WORKER_LEASE_MS: '30000' };
    const [a, b] = await Promise.all([spawn(settings), spawn(settings)]);
    const overruns = () =>
      [...a.logs, ...b.logs].filter((l) => l.msg === 'outcome recorded after the lease ended');
    await eventually(async () => (await pendingCount()) === 0, 150_000, 'all deliveries');
    const counts = pushesByToken();
    expect(counts.size).toBe(2000);
    expect(overruns()).toEqual([]);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(users.every((u) => counts.has(u.device!.reg_id))).toBe(true);
    expect(await PushOutcome.countDocuments({ outcome: 'sent' })).toBe(2000);
    const sentBy = (w: WorkerHandle) =>
      w.logs.filter((l) => l.msg === 'push delivery' && l.outcome === 'sent').length;
    expect(sentBy(a) + sentBy(b)).toBe(2000);
    expect(sentBy(a)).toBeGreaterThan(200); // neither worker hoards the queue
    expect(sentBy(b)).toBeGreaterThan(200);
    await eventually(async () => (await PushJob.countDocuments({})) === 0, 10_000, 'the queue emptied');
  });

  it('when a worker is killed -9 mid-batch then the other takes its leases over once they expire', async () => {
    fcm.setDelay(300);
    await queueMany(100, new Date());
    const settings = { WORKER_CONCURRENCY: '8', WORKER_LEASE_MS: '4000', WORKER_SEND_TIMEOUT_MS: '600' };
    const victim = await spawn(settings);
    await eventually(() => fcm.requests.length >= 24, 20_000, 'the first pushes');
    await victim.stop('SIGKILL');
    const killedAt = Date.now();
    // What the victim sent: everything the fake FCM got before the survivor starts (a send
    // on the wire when it died may be read a moment later).
    await sleep(300);
    const sentBeforeKill = new Set(fcm.requests.map((r) => r.token));
    const recordedBeforeKill = await recordedMessages();
    // The victim's leases on jobs still queued (in flight, or recorded but not yet removed).
    // A claim counts only at its job's current number: a send that timed out on a busy
    // machine was rescheduled under the next number, which is claimed afresh, not taken over.
    const queuedJobs = await PushJob.find({}).select({ _id: 1, claim_no: 1 }).lean();
    const current = new Set(queuedJobs.map((j) => claimId(j._id, j.claim_no ?? 0)));
    const leased = (await PushClaim.find({}).lean()).filter((c) => current.has(String(c._id)));
    expect(leased.length).toBeGreaterThan(0);
    const survivor = await spawn(settings);
    await eventually(async () => (await pendingCount()) === 0, 60_000, 'all deliveries');

    const counts = pushesByToken();
    const users = await Message.find({}).select({ receiver_id: 1 }).lean();
    expect(counts.size).toBe(100); // nothing lost
    const twice = [...counts.entries()].filter(([, n]) => n > 1);
    // Sent again: only what the victim had sent and not recorded when it died, its sends in
    // flight (8) and the answers waiting for their outcome insert (a few ms, longer when
    // the machine is busy).
    expect(twice.every(([token]) => sentBeforeKill.has(token))).toBe(true);
    expect(twice.length).toBeLessThanOrEqual(sentBeforeKill.size - recordedBeforeKill.size);
    expect([...counts.values()].every((n) => n <= 2)).toBe(true);
    // A push whose outcome was recorded before the crash is never sent again, even when
    // its job was still queued (the takeover settles it from the outcome).
    const receiverOf = new Map(users.map((u) => [String(u._id), String(u.receiver_id)]));
    const tokensRecorded = new Set(
      (await User.find({ _id: { $in: users.map((u) => u.receiver_id) } }).lean())
        .filter((u) => [...recordedBeforeKill].some((m) => receiverOf.get(m) === String(u._id)))
        .map((u) => u.device!.reg_id),
    );
    expect(tokensRecorded.size).toBeGreaterThan(0);
    expect(twice.filter(([token]) => tokensRecorded.has(token))).toEqual([]);
    const takeovers = survivor.logs.filter((l) => l.msg === 'lease taken over');
    expect(takeovers.length).toBe(leased.length);
    const firstTakeover = Math.min(...takeovers.map((l) => Number(l.time)));
    const earliestExpiry = Math.min(...leased.map((c) => c.lease_until.getTime()));
    expect(firstTakeover).toBeGreaterThanOrEqual(earliestExpiry);
    expect(firstTakeover - killedAt).toBeLessThan(10_000);
    await eventually(async () => (await PushJob.countDocuments({})) === 0, 5000, 'the queue emptied');
  });

  it('when a worker gets SIGTERM then it finishes its sends, leaves no lease, and exits 0', async () => {
    fcm.setDelay(800);
    await queueMany(30, new Date());
    // A long lease: the second worker can only start at once if nothing stayed leased.
    const settings = { WORKER_CONCURRENCY: '4', WORKER_LEASE_MS: '60000', WORKER_SEND_TIMEOUT_MS: '2000' };
    const first = await spawn(settings);
    await eventually(() => fcm.requests.length >= 4, 10_000, 'sends in flight');
    const stoppedAt = Date.now();
    await first.stop('SIGTERM');
    expect(await first.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - stoppedAt).toBeLessThan(4000);
    const sentByFirst = fcm.requests.length;
    expect(await PushOutcome.countDocuments({ outcome: 'sent' })).toBe(sentByFirst); // in-flight sends recorded
    expect(await PushJob.countDocuments({})).toBe(30 - sentByFirst); // finished jobs removed before exit
    const queued = (await PushJob.find({}).lean()).map((j) => String(j._id));
    expect(await PushClaim.countDocuments({ job_id: { $in: queued } })).toBe(0); // nothing left leased
    expect(first.logs.some((l) => l.msg === 'stopped')).toBe(true);

    fcm.setDelay(0);
    const restartAt = Date.now();
    await spawn(settings);
    await eventually(async () => (await pendingCount()) === 0, 15_000, 'the rest');
    expect(Date.now() - restartAt).toBeLessThan(10_000);
    expect([...pushesByToken().values()].every((n) => n === 1)).toBe(true);
    expect(pushesByToken().size).toBe(30);
  });
});
