/**
 * README "The wake-up wave": the worker pushes to Android phones no faster than the web
 * processes can log them in. A real web process (src/server.ts) with BCRYPT_COST 12 holds
 * its published login capacity low (a few logins a second on two cores); the worker (the
 * real delivery loop, the real FCM and APNs clients against their fakes) reads it. A burst
 * to 40 closed Android phones is spread (pushes held for their slot, some put back in the
 * queue) and every message still reaches its phone's screen; a burst to 40 iPhones is not
 * paced at all.
 */
import { createHash } from 'node:crypto';
import bcrypt from 'bcrypt';
import mongoose, { Types } from 'mongoose';
import { startWeb, type ProcessHandle } from '../../scripts/lib/stack';
import { Message, PushJob, User, WebState } from '../../src/models';
import { queueStatus } from '../../src/services/ops/status';
import { createWorker, type Worker } from '../../workers/createWorker';
import { captureLogger, testConfig } from '../helpers/app';
import { useTestDatabase } from '../helpers/db';
import { startFakeApns, type FakeApns } from '../helpers/fakeApns';
import { startFakeFcm, type FakeFcm } from '../helpers/fakeFcm';
import { loginEachOnce, WakeFleet } from '../helpers/wakePhones';
import { eventually, jobDoc, messageDoc, receiverDoc } from '../helpers/workerFixtures';
import { WORKER_TEST_ENV } from '../helpers/workerProcess';
import { makeTestTls } from '../helpers/workerTls';

jest.setTimeout(120_000);

const PHONES = 40;
const COST = '12';
const PASSWORD_HEX = createHash('sha256').update('typed password').digest('hex');

const db = useTestDatabase();
let fcm: FakeFcm;
let apns: FakeApns;
let web: ProcessHandle | undefined;
let worker: Worker | undefined;

afterAll(async () => {
  await worker?.stop(5_000);
  await web?.stop();
  await Promise.all([fcm?.close(), apns?.close()]);
});

async function queueBurst(receivers: { _id: Types.ObjectId }[], sender: Types.ObjectId, due: Date) {
  const messages = receivers.map((r) => ({ ...messageDoc(r._id, { due }), sender_id: sender }));
  await Message.insertMany(messages);
  await PushJob.insertMany(messages.map(jobDoc));
  return messages.map((m) => m._id.toHexString());
}

describe('pushes paced to the logins of the web processes', () => {
  it('when the login capacity is low then a burst to Android phones is spread and fully shown, one to iPhones not slowed', async () => {
    const tls = makeTestTls();
    [fcm, apns] = await Promise.all([startFakeFcm(tls), startFakeApns(tls)]);
    const password = await bcrypt.hash(PASSWORD_HEX, Number(COST));
    const androids = Array.from({ length: PHONES }, () => ({ ...receiverDoc(), password }));
    const iphones = Array.from({ length: PHONES }, () => receiverDoc({ os: 'ios' }));
    const sender = receiverDoc();
    await User.insertMany([...androids, ...iphones, sender]);

    // Each phone logged in once, then its app was closed; the web the wave meets is fresh.
    const env = { MONGODB_URI: db.uri(), BCRYPT_COST: COST };
    const setup = await startWeb(env);
    const accounts = await loginEachOnce(
      setup.baseUrl,
      androids.map((r) => ({ email: r.email, passwordHex: PASSWORD_HEX, token: r.device!.reg_id })),
    );
    await setup.web.stop();
    await WebState.deleteMany({});
    const started = await startWeb(env);
    web = started.web;
    const state = await WebState.findOne().lean();
    expect(state!.login_capacity).toBeLessThan(20); // two cores at ~250 ms a check

    const config = testConfig({
      ...WORKER_TEST_ENV,
      MONGODB_URI: db.uri(),
      FCM_CREDENTIALS: fcm.credentials,
      FCM_API_URL: fcm.url,
      ...apns.env,
    });
    worker = await createWorker({
      config,
      logger: captureLogger('warn').logger,
      connection: mongoose.connection,
      push: { ca: [tls.ca] },
    });
    await worker.start();
    const fleet = new WakeFleet(fcm, started.baseUrl, accounts);
    fleet.start();

    // iPhones first: nothing paced.
    const iosDue = new Date(Date.now() + 500);
    await queueBurst(iphones, sender._id, iosDue);
    await eventually(() => apns.requests.length >= PHONES, 20_000, 'the iPhone pushes');
    expect(worker.metrics.deliveries.paced).toBe(0);

    const due = new Date(Date.now() + 1_000);
    const expected = await queueBurst(androids, sender._id, due);
    await eventually(
      () => fleet.report(expected).shown === PHONES && fleet.idle(),
      90_000,
      'every phone',
    ).catch(
      () => undefined, // the report below says what is missing
    );
    const report = fleet.report(expected);
    fleet.stop();
    expect({
      shown: report.shown,
      duplicates: report.duplicates,
      refused: report.refused,
      iosPushes: apns.requests.length,
    }).toEqual({ shown: PHONES, duplicates: 0, refused: {}, iosPushes: PHONES });
    // Spread: at ~6 logins a second most of the 40 waited for their slot.
    expect(worker.metrics.deliveries.paced).toBeGreaterThan(PHONES / 2);
    expect(worker.metrics.deliveries.sent).toBe(2 * PHONES);
    // The console's heartbeat table shows the rate this worker paces to.
    await worker.beat();
    const [view] = (await queueStatus(new Date())).workers;
    expect(view!.android_rate).toBeGreaterThan(0);
    expect(view!.android_rate).toBeLessThan(state!.login_capacity);
  });
});
