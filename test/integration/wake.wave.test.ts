/**
 * The wake-up wave (CONTRACT §2): 500 closed Android phones whose messages all fall due in
 * the same second. Real processes: a web process started fresh for the wave (src/server.ts,
 * the tests' BCRYPT_COST 4, its own settings otherwise), one worker pushing through the fake
 * FCM, whose every accepted push wakes its phone (test/helpers/wakePhones.ts): 401, one
 * login, the GET again. A login refused there leaves that phone blind, its message unseen.
 */
import { createHash } from 'node:crypto';
import bcrypt from 'bcrypt';
import { Types } from 'mongoose';
import { startWeb, type ProcessHandle } from '../../scripts/lib/stack';
import { Message, PushJob, User } from '../../src/models';
import { useTestDatabase } from '../helpers/db';
import { startFakeFcm, type FakeFcm } from '../helpers/fakeFcm';
import { commandCounter } from '../helpers/requestCommands';
import { loginEachOnce, WakeFleet, type PhoneAccount } from '../helpers/wakePhones';
import { eventually, jobDoc, messageDoc, receiverDoc } from '../helpers/workerFixtures';
import { startedWorker, type WorkerHandle } from '../helpers/workerProcess';
import { makeTestTls } from '../helpers/workerTls';

jest.setTimeout(110_000);

const PHONES = 500;
const COST = '4'; // testConfig's (test/helpers/app.ts)
const PASSWORD_HEX = createHash('sha256').update('typed password').digest('hex');
/** How long after the due second the phones may take, on 2 busy cores. */
const WAVE_LIMIT_MS = 60_000;

const db = useTestDatabase();
let fcm: FakeFcm;
let worker: WorkerHandle | undefined;
let web: ProcessHandle | undefined;

/** Android receivers with a password and an FCM token, and a few senders with phones. */
async function seedAccounts() {
  const password = await bcrypt.hash(PASSWORD_HEX, Number(COST));
  const receivers = Array.from({ length: PHONES }, () => ({ ...receiverDoc(), password }));
  const senders = Array.from({ length: 5 }, () => ({ ...receiverDoc(), password }));
  await User.insertMany([...receivers, ...senders]);
  return { receivers, senders };
}

/** One message each, all due at `due`, with their push jobs, as POST /send stores them. */
async function queueWave(
  receivers: { _id: Types.ObjectId }[],
  senders: { _id: Types.ObjectId }[],
  due: Date,
) {
  const messages = receivers.map((r, i) => ({
    ...messageDoc(r._id, { due }),
    sender_id: senders[i % 5]!._id,
  }));
  await Message.insertMany(messages);
  await PushJob.insertMany(messages.map(jobDoc));
  return messages.map((m) => m._id.toHexString());
}

async function freshWeb(extra: Record<string, string> = {}, onLine?: (line: string) => void) {
  return startWeb({ MONGODB_URI: db.uri(), BCRYPT_COST: COST, ...extra }, onLine);
}

afterAll(async () => {
  await Promise.all([worker?.stop(), web?.stop()]);
  await fcm?.close();
});

describe('a wake-up wave of closed Android phones', () => {
  it('when 500 messages fall due in one second then every phone logs in and shows its message exactly once', async () => {
    const tls = makeTestTls();
    fcm = await startFakeFcm(tls);
    fcm.setDelay(40); // as the bench's providers answer
    const { receivers, senders } = await seedAccounts();

    // Each phone logged in once (its session stays), then its app was closed.
    const setup = await freshWeb();
    const accounts: PhoneAccount[] = await loginEachOnce(
      setup.baseUrl,
      receivers.map((r) => ({ email: r.email, passwordHex: PASSWORD_HEX, token: r.device!.reg_id })),
    );
    await setup.web.stop();

    const counter = commandCounter(); // the database commands of the wave's logins
    const started = await freshWeb(counter.env, counter.onLine);
    web = started.web;
    worker = await startedWorker({
      MONGODB_URI: db.uri(),
      FCM_CREDENTIALS: fcm.credentials,
      FCM_API_URL: fcm.url,
      NODE_EXTRA_CA_CERTS: tls.caFile,
    });
    const fleet = new WakeFleet(fcm, started.baseUrl, accounts);
    fleet.start();
    const due = new Date(Math.ceil((Date.now() + 3_000) / 1000) * 1000);
    const expected = await queueWave(receivers, senders, due);

    const tokens = new Set(accounts.map((a) => a.token));
    const pushedAll = () => new Set(fcm.requests.filter((r) => tokens.has(r.token)).map((r) => r.token)).size;
    const waitMs = due.getTime() + WAVE_LIMIT_MS - Date.now();
    await eventually(() => pushedAll() === PHONES && fleet.idle(), waitMs, 'every push and wake').catch(
      () => undefined, // the report below says what is missing
    );
    const report = fleet.report(expected);
    fleet.stop();
    const logins = (await counter.read(web.child, 30_000))['POST /login'];
    const { notShown, answers, ...figures } = report;
    console.log(
      `wake wave of ${PHONES}: pushed ${pushedAll()}, ${JSON.stringify(figures)}\n` +
        `answers: ${JSON.stringify(answers)}\nnot shown: ${notShown.length} (${notShown.slice(0, 3).join(', ')})\n` +
        `database commands of the wave's logins: ${logins?.commands} over ${logins?.requests} logins`,
    );

    expect({
      pushed: pushedAll(),
      shown: report.shown,
      notShown: notShown.length,
      duplicates: report.duplicates,
      refused503: report.refused['503'] ?? 0,
      refused: report.refused,
      loginsUnanswered: report.loginsUnanswered,
    }).toEqual({
      pushed: PHONES,
      shown: PHONES,
      notShown: 0,
      duplicates: 0,
      refused503: 0,
      refused: {},
      loginsUnanswered: 0,
    });
  });
});
