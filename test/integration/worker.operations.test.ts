/**
 * What the operator's console relies on in a real worker process with a fake FCM
 * (README "Operating"): its heartbeat (figures, periodic jobs, pause state), the pause
 * switch read before claiming (nothing sent, nothing lost, sent on resuming), a failed
 * push requeued and delivered, and the console's figures summed from the heartbeats.
 */
import { Types } from 'mongoose';
import { Message, PushJob, PushOutcome, WorkerBeat, WorkerState } from '../../src/models';
import { setDeliveryPaused } from '../../src/services/ops/pause';
import { requeueOne } from '../../src/services/ops/requeue';
import { queueStatus } from '../../src/services/ops/status';
import { useTestDatabase } from '../helpers/db';
import { startFakeFcm, type FakeFcm } from '../helpers/fakeFcm';
import {
  eventually,
  makeReceiver,
  messageDoc,
  queueMessage,
  settledOutcome,
  sleep,
} from '../helpers/workerFixtures';
import { startedWorker, type WorkerHandle } from '../helpers/workerProcess';
import { makeTestTls } from '../helpers/workerTls';

jest.setTimeout(60_000);

const db = useTestDatabase();
let fcm: FakeFcm;
let worker: WorkerHandle;

beforeAll(async () => {
  const tls = makeTestTls();
  fcm = await startFakeFcm(tls);
  worker = await startedWorker({
    MONGODB_URI: db.uri(),
    FCM_CREDENTIALS: fcm.credentials,
    FCM_API_URL: fcm.url,
    NODE_EXTRA_CA_CERTS: tls.caFile,
    WORKER_HEARTBEAT_S: '1',
    WORKER_POLL_MS: '100',
    DYNO: 'worker.1',
  });
});

afterAll(async () => {
  await worker?.stop();
  await fcm?.close();
});

describe('the worker and the operator console', () => {
  it('when a worker runs then it records a heartbeat every interval with its dyno, figures and periodic jobs', async () => {
    await eventually(async () => (await WorkerBeat.countDocuments()) >= 2, 5000, 'two heartbeats');
    const beats = await WorkerBeat.find().sort({ at: -1 }).lean();
    const [newest] = beats;
    expect(newest).toMatchObject({ dyno: 'worker.1', interval_s: 1, paused: false });
    expect(newest!._id).toBe(`${newest!.worker}:${Math.floor(newest!.at.getTime() / 1000)}`);
    expect(new Set(beats.map((b) => b._id)).size).toBe(beats.length);
    // Its state, written whole at each beat: figures and periodic jobs.
    const state = await WorkerState.findById(newest!.worker).lean();
    expect(state).toMatchObject({ dyno: 'worker.1', interval_s: 1, paused: false });
    expect(state!.at.getTime()).toBeGreaterThanOrEqual(newest!.at.getTime());
    expect(state!.figures).toMatchObject({ deliveries: expect.any(Object), inFlight: expect.any(Number) });
    const jobs = state!.jobs as { name: string; next_at: Date | null }[];
    expect(jobs.map((j) => j.name)).toEqual(['promote', 'sweep', 'reminder', 'cleanup']);
    expect(jobs.every((j) => j.next_at instanceof Date)).toBe(true);
    // Alive: its newest beat at most two intervals old (a busy machine may delay one).
    await eventually(async () => (await queueStatus(new Date())).workers[0]?.alive === true, 5000, 'alive');
    const status = await queueStatus(new Date());
    expect(status.workers).toEqual([
      expect.objectContaining({ worker: newest!.worker, dyno: 'worker.1', paused: false }),
    ]);
    // The promote job runs every 5 s: its last run and result reach the console.
    await eventually(
      async () =>
        (await queueStatus(new Date())).jobs.some((j) => j.name === 'promote' && j.last?.ok === true),
      8000,
      "the promote job's run in a heartbeat",
    );
  });

  it('when delivery is paused then a due push waits, untouched, and goes out once delivery resumes', async () => {
    await setDeliveryPaused(true, 'test-operator', new Date());
    await eventually(
      async () => (await WorkerBeat.findOne().sort({ at: -1 }).lean())?.paused === true,
      3000,
      'a heartbeat saying paused',
    );
    const user = await makeReceiver({ os: 'android' });
    const id = await queueMessage(user._id, { due: new Date() });
    await sleep(1500);
    expect(fcm.forToken(user.device!.reg_id)).toHaveLength(0);
    expect(await PushJob.countDocuments({ message_id: id })).toBe(1);
    expect((await queueStatus(new Date())).backlog).toBe(1);
    await setDeliveryPaused(false, 'test-operator', new Date());
    const outcome = await settledOutcome(id, 3000);
    expect(outcome.outcome).toBe('sent');
    expect(fcm.forToken(user.device!.reg_id)).toHaveLength(1);
  });

  it('when a failed push is requeued then the worker sends it again and records its new outcome', async () => {
    const user = await makeReceiver({ os: 'android' });
    const m = messageDoc(user._id, { due: new Date(Date.now() - 60_000) });
    await Message.create(m);
    const failedId = new Types.ObjectId().toHexString();
    await PushOutcome.create({
      _id: failedId,
      kind: 'message',
      message_id: m._id,
      user_id: user._id,
      outcome: 'failed',
      reason: 'gave up after 3 attempts: HTTP 503',
      provider: 'fcm',
      attempts: 3,
      due_at: m.delivery_time,
      at: new Date(),
      worker: 'an earlier worker',
    });
    const result = await requeueOne(failedId, 'test-operator', new Date());
    expect(result.state).toBe('requeued');
    await eventually(
      async () => (await PushOutcome.exists({ _id: result.job_id })) !== null,
      3000,
      'the new outcome',
    );
    expect(await PushOutcome.findById(result.job_id).lean()).toMatchObject({
      outcome: 'sent',
      provider: 'fcm',
    });
    expect(fcm.forToken(user.device!.reg_id)).toHaveLength(1);
  });

  it('when pushes were sent then the console counts them by outcome and provider and shows their lag', async () => {
    await eventually(
      async () => {
        const s = await queueStatus(new Date());
        return s.outcomes.hour.some((o) => o.outcome === 'sent' && o.provider === 'fcm' && o.count >= 2);
      },
      3000,
      'the sent pushes in the heartbeats',
    );
    const status = await queueStatus(new Date());
    expect(status.outcomes.day).toEqual(status.outcomes.hour);
    expect(status.lag_ms.sent).toBeGreaterThanOrEqual(2);
    // One push was a minute late (the requeued one): the p99 is in the minute's bucket.
    expect(status.lag_ms.p99).toBeGreaterThan(30_000);
    expect(status.lag_ms.p99_over).toBeUndefined(); // a minute: within the last bucket's bound
    expect(status.lag_ms.p50).toBeGreaterThanOrEqual(0);
  });
});
