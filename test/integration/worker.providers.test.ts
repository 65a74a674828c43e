/**
 * The push senders in-process against the fake providers (real client code, providers
 * faked at their protocol): OAuth2 for FCM, payloads, and how each answer is classified.
 */
import { randomBytes, generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:net';
import { Types } from 'mongoose';
import { createLogger } from '../../src/logger';
import { PushClaim, PushJob, User, claimId } from '../../src/models';
import { createPushSender, type PushSender } from '../../src/push';
import { deliver } from '../../workers/delivery/deliver';
import { failedPushes, pushOutcomesOf } from '../../src/services/pushes/outcomes';
import { claimBatch, releaseClaims, takeOver } from '../../workers/delivery/claims';
import { loadDevices } from '../../workers/delivery/load';
import { OutcomeRecorder } from '../../workers/delivery/recorder';
import type { Claim, JobRecord } from '../../workers/delivery/types';
import { DeliveryMetrics } from '../../workers/delivery/metrics';
import { captureLogger, testConfig } from '../helpers/app';
import { useTestDatabase } from '../helpers/db';
import { startFakeApns, type FakeApns } from '../helpers/fakeApns';
import { FCM_ANSWERS, startFakeFcm, type FakeFcm } from '../helpers/fakeFcm';
import { iosToken, makeReceiver, queueMessage, sleep } from '../helpers/workerFixtures';
import { makeTestTls } from '../helpers/workerTls';

useTestDatabase();
const MESSAGE_TTL_S = 7 * 86_400;
const TEXT_TTL_S = 3_600;
const logger = createLogger('silent');
let fcm: FakeFcm;
let apns: FakeApns;
let sender: PushSender;
let tls: ReturnType<typeof makeTestTls>;

beforeAll(async () => {
  tls = makeTestTls();
  [fcm, apns] = await Promise.all([startFakeFcm(tls), startFakeApns(tls)]);
  const config = testConfig({
    FCM_CREDENTIALS: fcm.credentials,
    FCM_API_URL: fcm.url,
    WORKER_SEND_TIMEOUT_MS: '500',
    // Not the defaults, so that the pushes show these settings reached the senders.
    PUSH_MESSAGE_TTL_S: String(MESSAGE_TTL_S),
    PUSH_TEXT_TTL_S: String(TEXT_TTL_S),
    ...apns.env,
  });
  sender = createPushSender(config, logger, { ca: [tls.ca] });
});

afterAll(async () => {
  await sender?.close();
  await Promise.all([fcm?.close(), apns?.close()]);
});

const android = (token = `fcm-${randomBytes(6).toString('hex')}`) => ({
  platform: 'android' as const,
  token,
});
const ios = (token = iosToken()) => ({ platform: 'ios' as const, token });
const message = {
  kind: 'message' as const,
  label: 'Sent 2 months ago',
  messageId: new Types.ObjectId().toString(),
};
const teaser = { kind: 'teaser' as const, text: 'Ann sent you a message for later' };

/** An apns-expiration header (epoch seconds) is `ttlS` after the push reached the fake, give or take 2 s. */
function expectExpiry(header: unknown, pushedAtMs: number, ttlS: number) {
  expect(Math.abs(Number(header) - (pushedAtMs / 1000 + ttlS))).toBeLessThanOrEqual(2);
}

describe('FCM HTTP v1 sender', () => {
  it('when sending then a signed JWT-bearer grant gets one token, reused for later sends', async () => {
    const before = fcm.tokenRequests;
    const results = await Promise.all([1, 2, 3].map(() => sender.send(android(), message)));
    expect(results.map((r) => r.outcome)).toEqual(['sent', 'sent', 'sent']);
    expect(fcm.tokenRequests - before).toBeLessThanOrEqual(1);
  });

  it('when a message push and a teaser are sent then each carries its TTL, and only the message the collapse key', async () => {
    const [m, t] = [android(), android()];
    expect(await sender.send(m, message)).toMatchObject({ outcome: 'sent' });
    expect(await sender.send(t, teaser)).toMatchObject({ outcome: 'sent' });
    const [pushedMessage] = fcm.forToken(m.token);
    const [pushedTeaser] = fcm.forToken(t.token);
    expect(pushedMessage!.body.message.android).toEqual({
      priority: 'high',
      ttl: `${MESSAGE_TTL_S}s`,
      collapse_key: 'pictever_messages',
    });
    expect(pushedMessage!.data).toEqual({ receiver_reg_id: m.token });
    expect(pushedTeaser!.body.message.android).toEqual({ priority: 'high', ttl: `${TEXT_TTL_S}s` });
    expect(pushedTeaser!.data).toEqual({ silent_push: teaser.text });
  });

  it('when the service account key does not match then the token endpoint refuses and the push waits', async () => {
    const other = JSON.parse(fcm.credentials) as Record<string, string>;
    other.private_key = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const bad = createPushSender(
      testConfig({ FCM_CREDENTIALS: JSON.stringify(other), FCM_API_URL: fcm.url }),
      logger,
    );
    expect(await bad.send(android(), message)).toMatchObject({
      outcome: 'temporary',
      reason: expect.stringMatching(/oauth/),
    });
  });

  it.each([
    ['404 UNREGISTERED', 'dead_token', FCM_ANSWERS.unregistered],
    ['400 invalid registration token', 'dead_token', FCM_ANSWERS.invalidToken],
    ['400 for our payload', 'permanent', FCM_ANSWERS.badPayload],
    ['503', 'temporary', FCM_ANSWERS.unavailable],
    ['429', 'temporary', { status: 429, body: { error: { code: 429, status: 'RESOURCE_EXHAUSTED' } } }],
  ])('when FCM answers %s then the result is %s', async (_name, outcome, answer) => {
    const target = android();
    fcm.script(target.token, [answer]);
    expect(await sender.send(target, message)).toMatchObject({ outcome });
  });

  it('when FCM sends Retry-After then the result carries it', async () => {
    const target = android();
    fcm.script(target.token, [{ ...FCM_ANSWERS.unavailable, headers: { 'retry-after': '30' } }]);
    expect(await sender.send(target, message)).toEqual(expect.objectContaining({ retryAfterMs: 30_000 }));
  });

  it('when FCM does not answer within the send timeout then the result is temporary and the connection stays', async () => {
    const target = android();
    fcm.script(target.token, [{ status: 200, delayMs: 1500 }]);
    const t0 = Date.now();
    expect(await sender.send(target, message)).toMatchObject({ outcome: 'temporary', reason: 'fcm timeout' });
    expect(Date.now() - t0).toBeLessThan(1200);
    // Only the stream was given up: the next send goes over the same HTTP/2 session.
    const next = android();
    expect(await sender.send(next, message)).toMatchObject({ outcome: 'sent' });
    expect(fcm.forToken(next.token)[0]!.connection).toBe(fcm.forToken(target.token)[0]!.connection);
  });

  it('when a fresh sender sends a burst then every push is an HTTP/2 stream of one connection, all in flight at once', async () => {
    const fresh = createPushSender(
      testConfig({ FCM_CREDENTIALS: fcm.credentials, FCM_API_URL: fcm.url }),
      logger,
      { ca: [tls.ca] },
    );
    try {
      const targets = [1, 2, 3, 4, 5, 6].map(() => android());
      for (const t of targets) fcm.script(t.token, [{ status: 200, body: { name: 'n' }, delayMs: 300 }]);
      const results = await Promise.all(targets.map((t) => fresh.send(t, message)));
      expect(results.map((r) => r.outcome)).toEqual(targets.map(() => 'sent'));
      const seen = targets.map((t) => fcm.forToken(t.token)[0]!);
      expect(seen.map((r) => r.httpVersion)).toEqual(targets.map(() => '2.0'));
      expect(new Set(seen.map((r) => r.connection)).size).toBe(1);
      // Multiplexed, not queued: the last one arrived before the first answer left.
      expect(Math.max(...seen.map((r) => r.at))).toBeLessThan(Math.min(...seen.map((r) => r.answeredAt!)));
      expect(seen[0]!.headers).toMatchObject({
        ':method': 'POST',
        ':path': `/v1/projects/${fcm.projectId}/messages:send`,
        'content-type': 'application/json',
        authorization: expect.stringMatching(/^Bearer ya29\./),
      });
    } finally {
      await fresh.close();
    }
  });

  it('when nothing listens at the FCM address then the result is temporary', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const down = createPushSender(
      testConfig({ FCM_CREDENTIALS: fcm.credentials, FCM_API_URL: `http://127.0.0.1:${port}` }),
      logger,
    );
    // The token comes from the fake; the send itself finds no server.
    expect(await down.send(android(), message)).toMatchObject({ outcome: 'temporary' });
  });
});

describe('APNs sender', () => {
  it('when sending several pushes then they share one HTTP/2 connection', async () => {
    const before = apns.sessions;
    const results = await Promise.all(
      [1, 2, 3].map(() => sender.send(ios(), { kind: 'joined', text: 'Bob joined Pictever!' })),
    );
    expect(results.map((r) => r.outcome)).toEqual(['sent', 'sent', 'sent']);
    expect(apns.sessions - before).toBeLessThanOrEqual(1);
    expect(apns.requests.at(-1)!.payload).toEqual({ aps: { alert: 'Bob joined Pictever!' } });
  });

  it('when a message push is sent then apns-collapse-id is the message id and apns-expiration now + the message TTL', async () => {
    const target = ios();
    expect(await sender.send(target, message)).toMatchObject({ outcome: 'sent' });
    const [push] = apns.forToken(target.token);
    expect(push!.headers['apns-collapse-id']).toBe(message.messageId);
    expectExpiry(push!.headers['apns-expiration'], push!.at, MESSAGE_TTL_S);
  });

  it('when a teaser is sent then apns-expiration is now + the text TTL and there is no collapse id', async () => {
    const target = ios();
    expect(await sender.send(target, teaser)).toMatchObject({ outcome: 'sent' });
    const [push] = apns.forToken(target.token);
    expect(push!.headers).not.toHaveProperty('apns-collapse-id');
    expectExpiry(push!.headers['apns-expiration'], push!.at, TEXT_TTL_S);
  });

  it.each([
    ['410 Unregistered', 'dead_token', { status: 410, reason: 'Unregistered' }],
    ['400 BadDeviceToken', 'dead_token', { status: 400, reason: 'BadDeviceToken' }],
    ['400 PayloadTooLarge', 'permanent', { status: 400, reason: 'PayloadTooLarge' }],
    ['503 ServiceUnavailable', 'temporary', { status: 503, reason: 'ServiceUnavailable' }],
    ['429 TooManyRequests', 'temporary', { status: 429, reason: 'TooManyRequests' }],
  ])('when APNs answers %s then the result is %s', async (_name, outcome, answer) => {
    const target = ios();
    apns.script(target.token, [answer]);
    expect(await sender.send(target, message)).toMatchObject({ outcome });
  });

  it('when the topic is not the app bundle id then APNs answers BadTopic: a configuration error', async () => {
    const wrong = createPushSender(testConfig({ ...apns.env, APNS_TOPIC: 'com.example.other' }), logger, {
      ca: [tls.ca],
    });
    try {
      expect(await wrong.send(ios(), message)).toMatchObject({ outcome: 'config_error', code: 'BadTopic' });
    } finally {
      await wrong.close();
    }
  });

  it('when the key id is not the team key then InvalidProviderToken is temporary once, then a configuration error', async () => {
    const wrong = createPushSender(testConfig({ ...apns.env, APNS_KEY_ID: 'WRONGKEY01' }), logger, {
      ca: [tls.ca],
    });
    try {
      expect(await wrong.send(ios(), message)).toMatchObject({ outcome: 'temporary' });
      expect(await wrong.send(ios(), message)).toMatchObject({
        outcome: 'config_error',
        code: 'InvalidProviderToken',
      });
    } finally {
      await wrong.close();
    }
  });

  it('when APNs does not answer within the send timeout then the result is temporary', async () => {
    const target = ios();
    apns.script(target.token, [{ status: 200, delayMs: 1500 }]);
    expect(await sender.send(target, message)).toMatchObject({ outcome: 'temporary' });
  });
});

describe('delivery of a claimed job', () => {
  const recorder = new OutcomeRecorder(logger, Math.random, {
    recordDelayMs: 0,
    removeEveryMs: 0,
    removeGapFactor: 0,
    maxBatch: 500,
    maxRemoveBatch: 2000,
  });
  const deps = (stopping: boolean, now: () => number = Date.now) => ({
    sender,
    logger,
    metrics: new DeliveryMetrics(),
    recorder,
    workerId: 'test',
    settings: {
      sendTimeoutMs: 500,
      leaseMarginMs: 100,
      maxAttempts: 3,
      backoff: { baseMs: 100, maxMs: 1000 },
    },
    now,
    random: Math.random,
    stopping: () => stopping,
    observeSend: () => {},
    release: (c: Claim) => releaseClaims([c]),
  });
  const claimOne = async (job: JobRecord, workerId: string, now: () => number = Date.now) =>
    (await claimBatch([job], { workerId, leaseMs: 10_000, now })).claims[0]!;
  /** The load and send stages for one claim, as the loop runs them. */
  const run = async (claim: Claim, d: ReturnType<typeof deps>) => {
    const devices = await loadDevices([claim.job]);
    const outcome = await deliver(claim, devices.get(claim.job.user_id.toHexString()), d);
    await recorder.flush();
    return outcome;
  };
  const jobOf = async (messageId: Types.ObjectId) =>
    (await PushJob.findOne({ message_id: messageId }).lean()) as JobRecord;

  it('when the worker is stopping then a claimed job is released unsent and can be claimed at once', async () => {
    const user = await makeReceiver();
    const id = await queueMessage(user._id, { due: new Date() });
    const job = await jobOf(id);
    expect(await run(await claimOne(job, 'a'), deps(true))).toBe('released');
    expect(fcm.forToken(user.device!.reg_id)).toHaveLength(0);
    expect(await PushClaim.countDocuments({ job_id: job._id })).toBe(0);
    expect(await run(await claimOne(job, 'b'), deps(false))).toBe('sent');
    expect((await pushOutcomesOf(id)).map((o) => o.outcome)).toEqual(['sent']);
  });

  it('when a job is for a user that does not exist then the message is delivered without push', async () => {
    const id = await queueMessage(new Types.ObjectId(), { due: new Date() });
    expect(await run(await claimOne(await jobOf(id), 'a'), deps(false))).toBe('no_token');
    expect(await pushOutcomesOf(id)).toMatchObject([{ outcome: 'no_token', attempts: 0 }]);
  });

  it('when an owner recorded the outcome but died before removing the job then the takeover settles it, without a second push', async () => {
    const user = await makeReceiver();
    const id = await queueMessage(user._id, { due: new Date() });
    const job = await jobOf(id);
    let clock = Date.now();
    expect(await run(await claimOne(job, 'a', () => clock), deps(false))).toBe('sent');
    expect(fcm.forToken(user.device!.reg_id)).toHaveLength(1);
    await PushJob.create(job); // as if a's removal had not landed when it died
    clock += 10_001;
    const taken = await takeOver(job, { workerId: 'b', leaseMs: 10_000, now: () => clock });
    expect(taken).toMatchObject({ kind: 'claimed', claim: { claimNo: 1, takeover: true, settled: true } });
    const claim = (taken as { claim: Claim }).claim;
    expect(
      await run(
        claim,
        deps(false, () => clock),
      ),
    ).toBe('dropped');
    expect(fcm.forToken(user.device!.reg_id)).toHaveLength(1);
    expect(await pushOutcomesOf(id)).toMatchObject([{ outcome: 'sent', attempts: 1, worker: 'test' }]);
    expect(await PushJob.countDocuments({ _id: job._id })).toBe(0);
  });

  it('when FCM says SENDER_ID_MISMATCH then each message fails once with the reason, one error line, counted', async () => {
    const capture = captureLogger();
    const metrics = new DeliveryMetrics();
    const outcomes: string[] = [];
    const ids: Types.ObjectId[] = [];
    for (let i = 0; i < 3; i += 1) {
      const user = await makeReceiver();
      fcm.script(user.device!.reg_id, [FCM_ANSWERS.senderIdMismatch, FCM_ANSWERS.senderIdMismatch]);
      const id = await queueMessage(user._id, { due: new Date() });
      ids.push(id);
      const claim = await claimOne(await jobOf(id), 'a');
      outcomes.push(await run(claim, { ...deps(false), logger: capture.logger, metrics }));
      expect(fcm.forToken(user.device!.reg_id)).toHaveLength(1);
      expect((await User.findById(user._id).lean())!.device!.reg_id).toBe(user.device!.reg_id);
    }
    expect(outcomes).toEqual(['failed', 'failed', 'failed']);
    for (const id of ids) {
      const [o] = await pushOutcomesOf(id);
      expect(o).toMatchObject({ outcome: 'failed', provider: 'fcm', attempts: 1 });
      expect(o!.reason).toMatch(/^configuration error: fcm 403 SENDER_ID_MISMATCH/);
    }
    const failures = await failedPushes({ limit: 100 });
    expect(failures.filter((f) => ids.some((id) => id.equals(f.message_id)))).toHaveLength(3);
    expect(await PushJob.countDocuments({ message_id: { $in: ids } })).toBe(0);
    const errors = capture.logLines
      .map((l) => JSON.parse(l) as { level: number; msg: string })
      .filter((l) => l.level >= 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.msg).toMatch(/952675823733/);
    expect(metrics.configErrors.get('fcm:SENDER_ID_MISMATCH')).toBe(3);
  });

  it('when an iOS message push is retried then both attempts carry its message id as apns-collapse-id', async () => {
    const user = await makeReceiver({ os: 'ios' });
    apns.script(user.device!.reg_id, [{ status: 503, reason: 'ServiceUnavailable' }]);
    const id = await queueMessage(user._id, { due: new Date() });
    const outcomes: string[] = [];
    for (let i = 0; i < 2; i += 1) {
      const job = await jobOf(id);
      // The retry is due after its back-off (at most WORKER_RETRY_BASE_MS here, 100 ms).
      await sleep((job.run_at?.getTime() ?? 0) - Date.now() + 10);
      outcomes.push(await run(await claimOne(job, `w${i}`), deps(false)));
    }
    expect(outcomes).toEqual(['retry', 'sent']);
    const pushes = apns.forToken(user.device!.reg_id);
    expect(pushes.map((p) => p.headers['apns-collapse-id'])).toEqual([id.toString(), id.toString()]);
    for (const p of pushes) expectExpiry(p.headers['apns-expiration'], p.at, MESSAGE_TTL_S);
  });

  it('when an Android message push is delivered then FCM gets the message TTL and the collapse key', async () => {
    const user = await makeReceiver();
    const id = await queueMessage(user._id, { due: new Date() });
    expect(await run(await claimOne(await jobOf(id), 'a'), deps(false))).toBe('sent');
    const [push] = fcm.forToken(user.device!.reg_id);
    expect(push!.httpVersion).toBe('2.0');
    expect(push!.body.message.android).toMatchObject({
      ttl: `${MESSAGE_TTL_S}s`,
      collapse_key: 'pictever_messages',
    });
  });

  it('when a push is recorded then the job is gone and its claim stays, refusing a stale copy', async () => {
    const user = await makeReceiver();
    const id = await queueMessage(user._id, { due: new Date() });
    const job = await jobOf(id);
    expect(await run(await claimOne(job, 'a'), deps(false))).toBe('sent');
    expect(await PushJob.countDocuments({ _id: job._id })).toBe(0);
    expect(await PushClaim.findById(claimId(job._id, 0)).lean()).toMatchObject({ worker: 'a' });
    expect((await claimBatch([job], { workerId: 'b', leaseMs: 10_000, now: Date.now })).lost).toHaveLength(1);
  });
});
