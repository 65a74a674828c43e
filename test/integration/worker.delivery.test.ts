/**
 * One real worker process against the test database, a fake FCM and a fake APNs (HTTP/2,
 * TLS trusted through NODE_EXTRA_CA_CERTS): what each kind of push looks like on the wire
 * and what is recorded for each provider answer.
 */
import { Message, PushJob, User } from '../../src/models';
import { useTestDatabase } from '../helpers/db';
import { startFakeApns, APNS_TOPIC, type FakeApns } from '../helpers/fakeApns';
import { FCM_ANSWERS, startFakeFcm, type FakeFcm } from '../helpers/fakeFcm';
import { eventually, makeReceiver, pushJob, queueMessage, sleep } from '../helpers/workerFixtures';
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

const stateOf = async (id: unknown) => Message.findById(id).lean();
const settled = (id: unknown) => async () => (await stateOf(id))?.state !== 'pending';

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
    await eventually(settled(id), 3000, 'the record');
    const stored = await stateOf(id);
    expect(stored).toMatchObject({ state: 'delivered', push: { outcome: 'sent', attempts: 1 } });
    expect(stored!.push!.provider_id).toMatch(/^projects\/pictever-test\/messages\/\d+$/);
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
    await eventually(settled(id), 4000, 'the record');
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
    expect(await stateOf(id)).toMatchObject({ state: 'delivered', push: { outcome: 'sent' } });
    expect((await stateOf(id))!.push!.provider_id).toMatch(/^[0-9a-f-]{36}$/);
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
      await eventually(settled(first), 4000, 'the first record');
      expect(await stateOf(first)).toMatchObject({ state: 'delivered', push: { outcome: 'dead_token' } });
      expect((await User.findById(user._id).lean())!.device!.reg_id).toBe('');
      const second = await queueMessage(user._id, { due: new Date() });
      await eventually(settled(second), 4000, 'the second record');
      expect(await stateOf(second)).toMatchObject({ state: 'delivered', push: { outcome: 'no_token' } });
      const seen = os === 'android' ? fcm.forToken(token) : apns.forToken(token);
      expect(seen).toHaveLength(1);
    },
  );

  it('when FCM answers 503 then 200 then the message is pushed again and delivered once', async () => {
    const user = await makeReceiver();
    fcm.script(user.device!.reg_id, [{ ...FCM_ANSWERS.unavailable, headers: { 'retry-after': '1' } }]);
    const t0 = Date.now();
    const id = await queueMessage(user._id, { due: new Date() });
    await eventually(settled(id), 5000, 'the record');
    const seen = fcm.forToken(user.device!.reg_id);
    expect(seen).toHaveLength(2);
    expect(seen[1]!.at - seen[0]!.at).toBeGreaterThanOrEqual(950); // Retry-After: 1 honoured
    expect(await stateOf(id)).toMatchObject({ state: 'delivered', push: { outcome: 'sent', attempts: 2 } });
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('when FCM keeps failing then the message is recorded failed after the attempt limit', async () => {
    const user = await makeReceiver();
    fcm.script(user.device!.reg_id, Array(5).fill(FCM_ANSWERS.unavailable));
    const id = await queueMessage(user._id, { due: new Date() });
    await eventually(settled(id), 8000, 'the record');
    const stored = await stateOf(id);
    expect(stored).toMatchObject({ state: 'failed', push: { outcome: 'failed', attempts: 3 } });
    expect(stored!.push!.reason).toMatch(/gave up after 3 attempts: fcm 503/);
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
    await eventually(settled(id), 4000, 'the record');
    const stored = await stateOf(id);
    expect(stored).toMatchObject({ state: 'failed', push: { outcome: 'failed' } });
    expect(stored!.push!.reason).toMatch(/fcm 400/);
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
    await eventually(settled(id), 4000, 'the record');
    expect(await stateOf(id)).toMatchObject({ state: 'delivered', push: { outcome: 'no_token' } });
    expect(fcm.requests.length + apns.requests.length).toBe(before);
  });

  it('when a message is blocked or was resent to a later time then its job is dropped without a push', async () => {
    const user = await makeReceiver();
    const blocked = await queueMessage(user._id, { due: new Date(), blocked: true });
    const resent = await queueMessage(user._id, { due: new Date() });
    await Message.updateOne({ _id: resent }, { $set: { delivery_time: new Date(Date.now() + 86_400_000) } });
    await eventually(
      async () => (await PushJob.countDocuments({ user_id: user._id })) === 0,
      4000,
      'the drops',
    );
    expect(fcm.forToken(user.device!.reg_id)).toHaveLength(0);
    expect(await stateOf(blocked)).toMatchObject({ state: 'pending', blocked: true });
    expect(await stateOf(resent)).toMatchObject({ state: 'pending' });
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
