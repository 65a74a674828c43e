/**
 * One real worker process against the test database, a fake FCM and a fake APNs (HTTP/2,
 * TLS trusted through NODE_EXTRA_CA_CERTS): what each kind of push looks like on the wire
 * and what is recorded for each provider answer.
 */
import { Message, PushJob, User } from '../../src/models';
import { useTestDatabase } from '../helpers/db';
import { startFakeApns, APNS_TOPIC, type FakeApns } from '../helpers/fakeApns';
import { FCM_ANSWERS, startFakeFcm, type FakeFcm } from '../helpers/fakeFcm';
import {
  eventually,
  makeReceiver,
  outcomeOf,
  pushJob,
  queueMessage,
  settledOutcome,
  sleep,
} from '../helpers/workerFixtures';
import { startedWorker, type WorkerHandle } from '../helpers/workerProcess';
import { makeTestTls } from '../helpers/workerTls';

jest.setTimeout(60_000);

const db = useTestDatabase();
let fcm: FakeFcm;
let apns: FakeApns;
let worker: WorkerHandle;

beforeAll(async () => {
  const tls = makeTestTls();
  [fcm, apns] = await Promise.all([startFakeFcm(tls), startFakeApns(tls)]);
  worker = await startedWorker({
    MONGODB_URI: db.uri(),
    FCM_CREDENTIALS: fcm.credentials,
    FCM_API_URL: fcm.url,
    NODE_EXTRA_CA_CERTS: tls.caFile,
    ...apns.env,
  });
});

afterAll(async () => {
  await worker?.stop();
  await Promise.all([fcm?.close(), apns?.close()]);
});

describe('the notification worker, one process', () => {
  it('when an Android message becomes due then exactly one data push arrives within 2 s, none before', async () => {
    const user = await makeReceiver({ os: 'android' });
    const due = new Date(Date.now() + 1500);
    const id = await queueMessage(user._id, { due });
    await sleep(1000);
    expect(fcm.forToken(user.device!.reg_id)).toHaveLength(0);
    await eventually(() => fcm.forToken(user.device!.reg_id).length > 0, 3000, 'the push');
    const [push] = fcm.forToken(user.device!.reg_id);
    expect(push!.at).toBeGreaterThanOrEqual(due.getTime());
    expect(push!.at - due.getTime()).toBeLessThan(2000);
    expect(push!.body).toEqual({
      message: {
        token: user.device!.reg_id,
        data: { receiver_reg_id: user.device!.reg_id },
        // The defaults: PUSH_MESSAGE_TTL_S (28 days), one collapse key for every message push.
        android: { priority: 'high', ttl: '2419200s', collapse_key: 'pictever_messages' },
      },
    });
    const stored = await settledOutcome(id, 3000);
    expect(stored).toMatchObject({ kind: 'message', outcome: 'sent', provider: 'fcm', attempts: 1 });
    expect(stored.provider_id).toMatch(/^projects\/pictever-test\/messages\/\d+$/);
    expect(stored.user_id).toEqual(user._id);
    await sleep(1200);
    expect(fcm.forToken(user.device!.reg_id)).toHaveLength(1);
    await eventually(
      async () => (await PushJob.countDocuments({ message_id: id })) === 0,
      2000,
      'the job removed',
    );
  });

  it('when an iOS message becomes due then APNs gets the label, ache.caf and badge 1, once', async () => {
    const user = await makeReceiver({ os: 'iOS' });
    const due = new Date(Date.now() + 800);
    const id = await queueMessage(user._id, { due, label: 'Envoyé il y a 3 mois' });
    const stored = await settledOutcome(id, 4000);
    const pushes = apns.forToken(user.device!.reg_id);
    expect(pushes).toHaveLength(1);
    expect(pushes[0]!.at).toBeGreaterThanOrEqual(due.getTime());
    expect(pushes[0]!.payload).toEqual({
      aps: { alert: 'Envoyé il y a 3 mois', sound: 'ache.caf', badge: 1 },
    });
    expect(pushes[0]!.headers).toMatchObject({
      'apns-topic': APNS_TOPIC,
      'apns-push-type': 'alert',
      'apns-collapse-id': id.toString(),
    });
    // PUSH_MESSAGE_TTL_S's default, 28 days from the push (give or take 2 s).
    const expiry = Number(pushes[0]!.headers['apns-expiration']) - pushes[0]!.at / 1000;
    expect(Math.abs(expiry - 2_419_200)).toBeLessThanOrEqual(2);
    expect(stored).toMatchObject({ outcome: 'sent', provider: 'apns' });
    expect(stored.provider_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('when teaser and "joined" jobs are queued then each device gets its text push once', async () => {
    const android = await makeReceiver({ os: 'android' });
    const ios = await makeReceiver({ os: 'ios' });
    await pushJob('teaser', android._id, 'Alice just sent you a message. You will receive it in 3 months!');
    await pushJob('joined', android._id, 'Bob joined Pictever!');
    await pushJob('teaser', ios._id, 'Alice vient de t’envoyer un message.');
    await pushJob('joined', ios._id, 'Bob a rejoint Pictever!');
    await eventually(
      async () => (await PushJob.countDocuments({ user_id: { $in: [android._id, ios._id] } })) === 0,
      5000,
    );
    expect(fcm.forToken(android.device!.reg_id).map((r) => r.data)).toEqual(
      expect.arrayContaining([
        { silent_push: 'Alice just sent you a message. You will receive it in 3 months!' },
        { little_push: 'Bob joined Pictever!' },
      ]),
    );
    expect(fcm.forToken(android.device!.reg_id)).toHaveLength(2);
    expect(apns.forToken(ios.device!.reg_id).map((r) => r.payload)).toEqual(
      expect.arrayContaining([
        { aps: { alert: 'Alice vient de t’envoyer un message.' } },
        { aps: { alert: 'Bob a rejoint Pictever!' } },
      ]),
    );
    expect(apns.forToken(ios.device!.reg_id)).toHaveLength(2);
  });

  it.each([
    ['FCM 404 UNREGISTERED', 'android', FCM_ANSWERS.unregistered],
    ['FCM 400 invalid registration token', 'android', FCM_ANSWERS.invalidToken],
    ['APNs 410 Unregistered', 'ios', { status: 410, reason: 'Unregistered' }],
    ['APNs 400 BadDeviceToken', 'ios', { status: 400, reason: 'BadDeviceToken' }],
  ])(
    'when the provider answers %s then the token is cleared and never used again',
    async (_name, os, answer) => {
      const user = await makeReceiver({ os });
      const token = user.device!.reg_id;
      if (os === 'android') fcm.script(token, [answer]);
      else apns.script(token, [answer]);
      const first = await queueMessage(user._id, { due: new Date() });
      expect(await settledOutcome(first, 4000)).toMatchObject({ outcome: 'dead_token' });
      expect((await User.findById(user._id).lean())!.device!.reg_id).toBe('');
      const second = await queueMessage(user._id, { due: new Date() });
      expect(await settledOutcome(second, 4000)).toMatchObject({ outcome: 'no_token' });
      const seen = os === 'android' ? fcm.forToken(token) : apns.forToken(token);
      expect(seen).toHaveLength(1);
    },
  );

  it('when FCM answers 503 then 200 then the message is pushed again and delivered once', async () => {
    const user = await makeReceiver();
    fcm.script(user.device!.reg_id, [{ ...FCM_ANSWERS.unavailable, headers: { 'retry-after': '1' } }]);
    const t0 = Date.now();
    const id = await queueMessage(user._id, { due: new Date() });
    const stored = await settledOutcome(id, 5000);
    const seen = fcm.forToken(user.device!.reg_id);
    expect(seen).toHaveLength(2);
    expect(seen[1]!.at - seen[0]!.at).toBeGreaterThanOrEqual(950); // Retry-After: 1 honoured
    expect(stored).toMatchObject({ outcome: 'sent', attempts: 2 });
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('when FCM keeps failing then the message is recorded failed after the attempt limit', async () => {
    const user = await makeReceiver();
    fcm.script(user.device!.reg_id, Array(5).fill(FCM_ANSWERS.unavailable));
    const id = await queueMessage(user._id, { due: new Date() });
    const stored = await settledOutcome(id, 8000);
    expect(stored).toMatchObject({ outcome: 'failed', attempts: 3 });
    expect(stored.reason).toMatch(/gave up after 3 attempts: fcm 503/);
    expect(fcm.forToken(user.device!.reg_id)).toHaveLength(3);
    await eventually(
      async () => (await PushJob.countDocuments({ message_id: id })) === 0,
      2000,
      'the job removed',
    );
  });

  it('when FCM refuses our payload (400) then a failure is recorded and the token is kept', async () => {
    const user = await makeReceiver();
    fcm.script(user.device!.reg_id, [FCM_ANSWERS.badPayload]);
    const id = await queueMessage(user._id, { due: new Date() });
    const stored = await settledOutcome(id, 4000);
    expect(stored).toMatchObject({ outcome: 'failed' });
    expect(stored.reason).toMatch(/fcm 400/);
    expect((await User.findById(user._id).lean())!.device!.reg_id).toBe(user.device!.reg_id);
    expect(fcm.forToken(user.device!.reg_id)).toHaveLength(1);
  });

  it.each([
    ['"(null)" token', { regId: '(null)' }],
    ['empty token', { regId: '' }],
    ['no device', { noDevice: true }],
  ])('when the receiver has %s then the message is delivered at once without a push', async (_n, o) => {
    const user = await makeReceiver(o);
    const before = fcm.requests.length + apns.requests.length;
    const id = await queueMessage(user._id, { due: new Date() });
    expect(await settledOutcome(id, 4000)).toMatchObject({ outcome: 'no_token' });
    expect(fcm.requests.length + apns.requests.length).toBe(before);
  });

  it('when a job of an older version (no label) is for a blocked or resent message then it is dropped without a push', async () => {
    const user = await makeReceiver();
    const blocked = await queueMessage(user._id, { due: new Date(), blocked: true, legacyJob: true });
    const resent = await queueMessage(user._id, { due: new Date(), legacyJob: true });
    await Message.updateOne({ _id: resent }, { $set: { delivery_time: new Date(Date.now() + 86_400_000) } });
    await eventually(
      async () => (await PushJob.countDocuments({ user_id: user._id })) === 0,
      4000,
      'the drops',
    );
    expect(fcm.forToken(user.device!.reg_id)).toHaveLength(0);
    expect(await outcomeOf(blocked)).toMatchObject({ outcome: 'dropped', reason: 'message blocked' });
    expect(await outcomeOf(resent)).toMatchObject({ outcome: 'dropped', reason: 'message resent' });
  });

  it('when a job of an older version (no label) is due then the label is read from the message and pushed', async () => {
    const user = await makeReceiver({ os: 'ios' });
    const id = await queueMessage(user._id, { due: new Date(), label: 'Sent 2 years ago', legacyJob: true });
    expect(await settledOutcome(id, 4000)).toMatchObject({ outcome: 'sent' });
    expect(apns.forToken(user.device!.reg_id).map((p) => p.payload)).toEqual([
      { aps: { alert: 'Sent 2 years ago', sound: 'ache.caf', badge: 1 } },
    ]);
  });

  it('reuses one HTTP/2 connection to APNs and one OAuth2 token for FCM', () => {
    expect(apns.sessions).toBe(1);
    expect(fcm.tokenRequests).toBe(1);
    const deliveries = worker.logs.filter((l) => l.msg === 'push delivery');
    expect(deliveries.length).toBeGreaterThan(10);
    expect(deliveries[0]).toEqual(
      expect.objectContaining({
        worker: expect.any(String),
        outcome: expect.any(String),
        lag_ms: expect.any(Number),
      }),
    );
  });
});
