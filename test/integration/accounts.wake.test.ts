/**
 * README "The wake-up wave": what the login of a phone woken by a push costs, and the
 * memory of verified passwords that saves its bcrypt check. Commands are counted by the
 * driver's command monitoring; bcrypt checks by the queue's count of finished tasks.
 */
import request from 'supertest';
import { RateHit } from '../../src/models';
import { passwordWork } from '../../src/services/accounts/passwords';
import { buildTestApp, type TestApp } from '../helpers/app';
import { androidBody, createUser, sha256Hex } from '../helpers/factories';
import { useMonitoredDatabase } from '../helpers/messageFactories';
import mongoose from 'mongoose';
import { withDatabase } from '../../src/db/uri';
import { runAdmin } from '../helpers/opsCli';
import { startSmtpSink, type SmtpSink } from '../helpers/smtpSink';

jest.setTimeout(60_000);
const db = useMonitoredDatabase();
let t: TestApp;
let sink: SmtpSink;
let phones = 0;
const nextPhone = () => `0033652${String(++phones).padStart(6, '0')}`;

beforeAll(async () => {
  sink = await startSmtpSink();
  t = buildTestApp({ SMTP_URL: sink.url });
});
afterAll(() => sink.close());

/** A closed Android app's login: no cookie, its push token. */
const wake = (email: string, password: string, regId: string, app = t.app) =>
  androidBody(request(app).post('/login'), {
    email,
    password,
    os: 'android',
    reg_id: regId,
    app_version: '1.1',
  });

/** bcrypt checks made while `fn` runs. */
async function checks(fn: () => Promise<unknown>): Promise<number> {
  const before = passwordWork.completed;
  await fn();
  return passwordWork.completed - before;
}

describe('the login of a known phone', () => {
  it('when a phone logs in with its stored token then it costs 3 commands, and again within the hour 2 and no bcrypt', async () => {
    const u = await createUser({ phone: nextPhone(), regId: 'token-wake-1' });
    // Its first login records the device and the time: user read, session, record.
    const first = await db.record(() => wake(u.email, u.password, 'token-wake-1').expect(200));
    expect(first.commands).toEqual(['find users', 'update sessions', 'update users']);
    // Woken again: the password is remembered, nothing changed but a recent login time.
    let again!: Awaited<ReturnType<typeof db.record>>;
    expect(
      await checks(async () => {
        again = await db.record(() => wake(u.email, u.password, 'token-wake-1').expect(200));
      }),
    ).toBe(0);
    expect(again.commands).toEqual(['find users', 'update sessions']);
  });

  it('when a known phone fails from its own token then its failures are counted on that key alone, and the login after reads the count', async () => {
    const limited = buildTestApp({ LOGIN_FAILURES_PER_ACCOUNT_ADDRESS: '3' });
    const u = await createUser({ phone: nextPhone(), regId: 'token-wake-2' });
    for (let i = 0; i < 3; i++)
      await wake(u.email, sha256Hex(`wrong ${i}`), 'token-wake-2', limited.app).expect(401);
    expect(await RateHit.countDocuments({ key: /^login:fail:phone:/ })).toBe(3);
    expect(await RateHit.countDocuments({ key: /^login:fail:(acct|addr)/ })).toBe(0);
    // At its limit: the right password waits too, with the count read once.
    const refused = await db.record(() => wake(u.email, u.password, 'token-wake-2', limited.app).expect(429));
    expect(
      refused.commands.filter((c) => c === 'count rate_hits' || c === 'aggregate rate_hits').length,
    ).toBeGreaterThan(0);
    expect(Number(refused.result.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('when 50 wrong passwords come from elsewhere then the owner’s phone still logs in with its token', async () => {
    const u = await createUser({ phone: nextPhone(), regId: 'token-wake-3' });
    for (let i = 0; i < 50; i++) {
      const res = await androidBody(
        request(t.app)
          .post('/login')
          .set('X-Forwarded-For', `198.51.100.${i % 5}`),
        {
          email: u.email,
          password: sha256Hex(`guess ${i}`),
          os: 'android',
          reg_id: 'attacker-token',
        },
      );
      expect([401, 429]).toContain(res.status);
    }
    // From a new address the account's cap is reached.
    await androidBody(request(t.app).post('/login').set('X-Forwarded-For', '192.0.2.77'), {
      email: u.email,
      password: u.password,
      os: 'android',
      reg_id: 'attacker-token',
    }).expect(429);
    await wake(u.email, u.password, 'token-wake-3').expect(200);
  });
});

describe('the memory of verified passwords', () => {
  it('when the password is reset then the old one is refused at once, here and in another process', async () => {
    const u = await createUser({ phone: nextPhone(), regId: 'token-wake-4' });
    const other = buildTestApp(); // a second web process's memory
    for (const app of [t.app, other.app]) await wake(u.email, u.password, 'token-wake-4', app).expect(200);
    expect(await checks(() => wake(u.email, u.password, 'token-wake-4').expect(200))).toBe(0);
    expect(await checks(() => wake(u.email, u.password, 'token-wake-4', other.app).expect(200))).toBe(0);

    await request(t.app)
      .get(`/send_reset_mail?email=${encodeURIComponent(u.email)}`)
      .expect(200);
    const mail = await sink.waitFor((m) => m.to.includes(u.email) && m.subject.includes('code'));
    const code = /: ([A-Z0-9]{6})\n/.exec(mail.text)![1]!;
    const fresh = sha256Hex('the new one');
    await androidBody(request(t.app).post('/define_new_password'), {
      email: u.email,
      verification_code: code,
      new_password: fresh,
    }).expect(200);

    for (const app of [t.app, other.app]) {
      expect(await checks(() => wake(u.email, u.password, 'token-wake-4', app).expect(401))).toBe(1);
    }
    expect(await checks(() => wake(u.email, fresh, 'token-wake-4').expect(200))).toBe(1);
  });

  it('when an operator revokes the sessions then the next login checks the password with bcrypt again', async () => {
    const u = await createUser({ phone: nextPhone(), regId: 'token-wake-5' });
    await wake(u.email, u.password, 'token-wake-5').expect(200);
    expect(await checks(() => wake(u.email, u.password, 'token-wake-5').expect(200))).toBe(0);
    const uri = withDatabase(process.env.TEST_MONGODB_URI!, mongoose.connection.name);
    const run = await runAdmin(uri, ['revoke-sessions', u.email]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(await checks(() => wake(u.email, u.password, 'token-wake-5').expect(200))).toBe(1);
  });

  it('when LOGIN_MEMORY_MINUTES is 0 then every login checks with bcrypt', async () => {
    const off = buildTestApp({ LOGIN_MEMORY_MINUTES: '0' });
    const u = await createUser({ phone: nextPhone(), regId: 'token-wake-6' });
    await wake(u.email, u.password, 'token-wake-6', off.app).expect(200);
    expect(await checks(() => wake(u.email, u.password, 'token-wake-6', off.app).expect(200))).toBe(1);
  });
});
