/**
 * ../shared/CONTRACT.md §4: a push never reaches a phone before /receive_all returns its message.
 * A worker whose clock runs ahead of the web's pushes early by that much; Android fetches
 * once per push, so the web looks CLOCK_SKEW_ALLOWANCE_MS ahead. Here the worker (real
 * delivery loop, real FCM client against the fake FCM) runs 5 s ahead of the web.
 */
import mongoose from 'mongoose';
import request from 'supertest';
import { clockOffsetMs } from '../../src/db/mongo';
import { createWorker, type Worker } from '../../workers/createWorker';
import { buildTestApp, captureLogger, testConfig } from '../helpers/app';
import { useTestDatabase } from '../helpers/db';
import { startFakeFcm, type FakeFcm } from '../helpers/fakeFcm';
import { androidToken, eventually, queueMessage } from '../helpers/workerFixtures';
import { WORKER_TEST_ENV } from '../helpers/workerProcess';
import { loggedIn } from '../helpers/session';

jest.setTimeout(60_000);

const SKEW_MS = 5_000;
const db = useTestDatabase();
let fcm: FakeFcm;
let worker: Worker;

beforeAll(async () => {
  fcm = await startFakeFcm();
  const config = testConfig({
    ...WORKER_TEST_ENV,
    MONGODB_URI: db.uri(),
    FCM_CREDENTIALS: fcm.credentials,
    FCM_API_URL: fcm.url,
  });
  worker = await createWorker({
    config,
    logger: captureLogger().logger,
    connection: mongoose.connection,
    now: () => Date.now() + SKEW_MS,
    push: { ca: [fcm.ca] },
  });
  await worker.start();
});

afterAll(async () => {
  await worker?.stop(5_000);
  await fcm?.close();
});

describe('the clock check at start', () => {
  it('when this process and the database share a machine then the offset from hello.localTime is small', async () => {
    const offset = await clockOffsetMs(mongoose.connection);
    expect(typeof offset).toBe('number');
    expect(Math.abs(offset!)).toBeLessThan(1_000);
  });
});

describe('a worker whose clock runs ahead of the web', () => {
  it('when it pushes a message early then /receive_all on the web already returns it', async () => {
    const allowance = SKEW_MS + 1_000;
    const web = buildTestApp({
      CLOCK_SKEW_ALLOWANCE_MS: String(allowance),
      WRITE_SETTLE_MS: String(allowance + 2_000),
    });
    const strict = buildTestApp({ CLOCK_SKEW_ALLOWANCE_MS: '0' });
    const token = androidToken();
    const phone = await loggedIn(web.app, { phone: '0033655500001', os: 'android', reg_id: token });
    const first = await phone.get('/receive_all?ts=0').expect(200);
    const ts = (JSON.parse(first.text) as { ts: number }).ts;

    // Due 2 s after the window the app holds ends (its ts), as a message written later is.
    const due = new Date(ts * 1000 + 2_000);
    const id = await queueMessage(phone.user.oid, { due });
    await eventually(() => fcm.forToken(token).length > 0, 10_000, 'the early push');
    const fetched = await phone.get(`/receive_all?ts=${ts}`).expect(200);
    const withoutAllowance = await request(strict.app)
      .get(`/receive_all?ts=${ts}`)
      .set('Cookie', phone.cookie)
      .expect(200);
    const seenAt = Date.now();

    const ids = (text: string) =>
      (JSON.parse(text) as { new_messages: { message_id: string }[] }).new_messages.map((m) => m.message_id);
    expect(ids(fetched.text)).toEqual([String(id)]);
    // The push did come early by the web's clock: without the allowance the fetch finds nothing.
    expect(seenAt).toBeLessThan(due.getTime());
    expect(ids(withoutAllowance.text)).toEqual([]);
  });
});
