/**
 * The worker's periodic jobs: with two real worker processes running the same schedule,
 * each reminder email and each sweep happens once. Cleanup runs in-process.
 */
import { Types } from 'mongoose';
import mongoose from 'mongoose';
import { createLogger } from '../../src/logger';
import { modelIndexes } from '../../src/db/indexes';
import { declaredIndexes, ttlIndexNames } from '../../src/db/indexSpecs';
import { JobRun, PushClaim, QuotaHit, claimId, quotaHitId } from '../../src/models';
import { runCleanup } from '../../workers/periodic/cleanup';
import { testConfig } from '../helpers/app';
import { useTestDatabase } from '../helpers/db';
import { startFakeFcm, type FakeFcm } from '../helpers/fakeFcm';
import { startSmtpSink, type SmtpSink } from '../helpers/smtpSink';
import { eventually, makeReceiver, outcomeOf, queueMessage, sleep } from '../helpers/workerFixtures';
import { startedWorker, type WorkerHandle } from '../helpers/workerProcess';

jest.setTimeout(60_000);

const db = useTestDatabase();
const HOUR = 3600_000;

describe('periodic jobs in two workers', () => {
  let fcm: FakeFcm;
  let smtp: SmtpSink;
  let workers: WorkerHandle[] = [];

  beforeAll(async () => {
    [fcm, smtp] = await Promise.all([startFakeFcm(), startSmtpSink()]);
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await Promise.all([fcm?.close(), smtp?.close()]);
  });

  it('when users signed up 24 to 64 h ago without a phone then each gets one reminder, in their language', async () => {
    const ago = (h: number) => new Date(Date.now() - h * HOUR);
    const en = await makeReceiver({ noDevice: true, createdAt: ago(30) });
    const fr = await makeReceiver({ noDevice: true, createdAt: ago(60), countryCode: 'fr' });
    const be = await makeReceiver({ noDevice: true, createdAt: ago(25), countryCode: 'be' });
    const withPhone = await makeReceiver({ createdAt: ago(30) });
    const tooNew = await makeReceiver({ noDevice: true, createdAt: ago(10) });
    const tooOld = await makeReceiver({ noDevice: true, createdAt: ago(70) });
    // A message due 10 minutes ago whose push job was lost (web crash between the writes).
    const receiver = await makeReceiver();
    const orphan = await queueMessage(receiver._id, { due: new Date(Date.now() - 10 * 60_000), noJob: true });

    const env = {
      MONGODB_URI: db.uri(),
      FCM_CREDENTIALS: fcm.credentials,
      FCM_API_URL: fcm.url,
      NODE_EXTRA_CA_CERTS: fcm.caFile,
      SMTP_URL: smtp.url,
      WORKER_REMINDER_CRON: '* * * * * *', // every second, in both workers
      WORKER_SWEEP_CRON: '* * * * * *',
    };
    workers = await Promise.all([startedWorker(env), startedWorker(env)]);
    await smtp.waitFor((m) => m.to.includes(en.email), 10_000);
    await smtp.waitFor((m) => m.to.includes(fr.email), 10_000);
    await smtp.waitFor((m) => m.to.includes(be.email), 10_000);
    await eventually(async () => (await outcomeOf(orphan))?.outcome === 'sent', 10_000, 'the sweep');
    await sleep(2500); // more runs in both workers

    const to = (u: { email: string }) => smtp.messages.filter((m) => m.to.includes(u.email));
    expect(to(en)).toHaveLength(1);
    expect(to(en)[0]!.subject).toBe('One last step on Pictever');
    expect(to(en)[0]!.text).toContain(en.email);
    expect(to(fr)[0]!.subject).toBe('Une dernière étape sur Pictever');
    expect(to(be)[0]!.subject).toBe('Une dernière étape sur Pictever');
    expect(to(fr)).toHaveLength(1);
    expect(to(be)).toHaveLength(1);
    for (const u of [withPhone, tooNew, tooOld]) expect(to(u)).toHaveLength(0);
    expect(fcm.forToken(receiver.device!.reg_id)).toHaveLength(1);

    // Each scheduled slot ran in one worker only (stopped first: no run in progress).
    await Promise.all(workers.map((w) => w.stop()));
    const runs = (await JobRun.find({ kind: 'run' }).lean()).map((r) => String(r._id));
    expect(runs.some((k) => /^reminder:\d{4}-\d\d-\d\dT/.test(k))).toBe(true);
    const ran = [...workers[0]!.logs, ...workers[1]!.logs].filter(
      (l) => (l.msg === 'periodic job done' || l.msg === 'periodic job failed') && l.job === 'reminder',
    );
    // A slot run by both workers would log more runs than keys; a run cut by the stop, fewer.
    const keys = runs.filter((k) => k.startsWith('reminder:')).length;
    expect(ran.length).toBeLessThanOrEqual(keys);
    expect(ran.length).toBeGreaterThanOrEqual(keys - 2);
  });
});

describe('cleanup', () => {
  it('when records expired then only they are removed', async () => {
    const now = new Date();
    const sessions = mongoose.connection.collection('sessions');
    await sessions.insertMany([
      { _id: 'old' as never, expires: new Date(now.getTime() - 1000), session: {} },
      { _id: 'live' as never, expires: new Date(now.getTime() + HOUR), session: {} },
    ]);
    const job = new Types.ObjectId();
    await PushClaim.create([
      {
        _id: claimId(job, 0),
        job_id: job,
        worker: 'w',
        lease_until: new Date(now.getTime() - 2 * HOUR),
        created_at: now,
      },
      {
        _id: claimId(job, 1),
        job_id: job,
        worker: 'w',
        lease_until: new Date(now.getTime() + HOUR),
        created_at: now,
      },
    ]);
    await JobRun.create([
      { _id: 'sweep:old', kind: 'run', created_at: new Date(now.getTime() - 3 * 24 * HOUR) },
      { _id: 'sweep:new', kind: 'run', created_at: now },
      { _id: 'reminder:a', kind: 'reminder', created_at: new Date(now.getTime() - 3 * 24 * HOUR) },
      { _id: 'reminder:b', kind: 'reminder', created_at: new Date(now.getTime() - 8 * 24 * HOUR) },
    ]);
    const removed = await runCleanup(now, createLogger('silent'), testConfig());
    expect(removed).toMatchObject({ sessions: 1, push_claims: 1, job_runs: 2, rate_hits: 0 });
    expect((await sessions.find({}).toArray()).map((s) => s._id)).toEqual(['live']);
    expect(await PushClaim.countDocuments({ job_id: job })).toBe(1);
    expect(
      (await JobRun.find({ _id: { $in: ['sweep:old', 'sweep:new', 'reminder:a', 'reminder:b'] } }).lean())
        .map((r) => r._id)
        .sort(),
    ).toEqual(['reminder:a', 'sweep:new']);
  });

  it('when the server keeps TTL indexes then the sweeps they replace are skipped and the others run', async () => {
    const now = new Date();
    const config = testConfig();
    // What a MongoDB gets from the release (the embedded database under test has none).
    const mongo = ttlIndexNames(declaredIndexes(modelIndexes(mongoose.connection), { ttl: true }, config));
    await mongoose.connection
      .collection('sessions')
      .insertOne({ _id: 'expired-ttl' as never, expires: new Date(now.getTime() - 1000), session: {} });
    const day = Math.floor(now.getTime() / 86_400_000);
    const stale = quotaHitId(new Types.ObjectId(), day - 5, 0);
    const amounts = { messages: 1, pushes: 1, lookups: 0 };
    await QuotaHit.create({
      _id: stale,
      user_id: new Types.ObjectId(),
      day: day - 5,
      seq: 0,
      amounts,
      total: amounts,
    });

    const removed = await runCleanup(now, createLogger('silent'), config, mongo);
    // Finishing interrupted account deletions is no expiry: it runs on every server.
    expect(Object.keys(removed).sort()).toEqual(['account_deletions', 'quotas', 'rate_hits_without_until']);
    expect(
      await mongoose.connection.collection('sessions').countDocuments({ _id: 'expired-ttl' as never }),
    ).toBe(1);
    expect(await QuotaHit.countDocuments({ _id: stale })).toBe(0);
    // Without TTL indexes (the embedded database) every sweep runs, the session goes.
    await runCleanup(now, createLogger('silent'), config);
    expect(
      await mongoose.connection.collection('sessions').countDocuments({ _id: 'expired-ttl' as never }),
    ).toBe(0);
  });
});
