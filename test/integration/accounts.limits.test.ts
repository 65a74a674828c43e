/**
 * Abuse limits of the account routes: login failures (per account and address, per
 * address, per account), the bcrypt queue, Retry-After on every 429, and signups.
 * The lockout scenarios (owner vs attacker) are in security.probes.login.test.ts.
 */
import request from 'supertest';
import { RateHit, User } from '../../src/models';
import { passwordWork } from '../../src/services/accounts/passwords';
import { buildTestApp } from '../helpers/app';
import { useTestDatabase } from '../helpers/db';
import { androidBody, createUser, iosBody, sha256Hex } from '../helpers/factories';

useTestDatabase();

const password = (label: string) => sha256Hex(`typed ${label} ${Math.random()}`);
const loginFields = (email: string, pw: string) => ({ email, password: pw, os: 'android', reg_id: 't' });
type App = ReturnType<typeof buildTestApp>['app'];
const login = (app: App, email: string, pw: string, ip?: string) => {
  const req = request(app).post('/login');
  return androidBody(ip ? req.set('X-Forwarded-For', ip) : req, loginFields(email, pw));
};
const loginHits = () => RateHit.countDocuments({ key: /^login:/ });

describe('login failure limits', () => {
  beforeEach(() => RateHit.deleteMany({}));

  it('when an account fails too often from one address then 429 with Retry-After, and refused tries count for nothing', async () => {
    const limited = buildTestApp({ LOGIN_FAILURES_PER_ACCOUNT_ADDRESS: '3' });
    const a = await createUser();
    for (let i = 0; i < 3; i++) await login(limited.app, a.email, password('x')).expect(401);
    const stored = await loginHits();
    expect(stored).toBe(9); // each failure on account+address, address, account
    for (let i = 0; i < 10; i++) {
      const res = await login(limited.app, a.email, i === 9 ? a.password : password('y')).expect(429);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(800);
      expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(900);
      // The IETF fields name the limit (3 failures per 15 minutes) and agree with Retry-After.
      expect(res.headers['ratelimit-policy']).toBe('"login:fail:acct-addr";q=3;w=900');
      expect(res.headers['ratelimit']).toBe(`"login:fail:acct-addr";r=0;t=${res.headers['retry-after']}`);
    }
    expect(await loginHits()).toBe(stored);
    const b = await createUser();
    await login(limited.app, b.email, b.password).expect(200);
  });

  it('when logins succeed then nothing is counted, however many', async () => {
    const limited = buildTestApp({
      LOGIN_FAILURES_PER_ACCOUNT_ADDRESS: '2',
      LOGIN_FAILURES_PER_ACCOUNT: '2',
    });
    const a = await createUser();
    for (let i = 0; i < 12; i++) await login(limited.app, a.email, a.password).expect(200);
    expect(await loginHits()).toBe(0);
  });

  it('when wrong passwords race past the limit then no more than the limit are checked or kept', async () => {
    const limited = buildTestApp({ LOGIN_FAILURES_PER_ACCOUNT_ADDRESS: '4' });
    const a = await createUser();
    const checksBefore = passwordWork.completed;
    const results = await Promise.all(
      Array.from({ length: 12 }, () => login(limited.app, a.email, password('r'))),
    );
    // A burst may be refused entirely (each counts the others' hits); never more than 4 checked.
    const checked = results.filter((r) => r.status === 401).length;
    expect(checked).toBeLessThanOrEqual(4);
    expect(results.every((r) => r.status === 401 || r.status === 429)).toBe(true);
    expect(passwordWork.completed - checksBefore).toBe(checked);
    expect(await RateHit.countDocuments({ key: /^login:fail:acct-addr:/ })).toBe(checked);
  });

  it('when one client address fails on many accounts then a new account from it is refused', async () => {
    const limited = buildTestApp({ LOGIN_FAILURES_PER_ADDRESS: '2' });
    const [u0, u1] = [await createUser(), await createUser()];
    await login(limited.app, u0.email, password('a')).expect(401);
    await login(limited.app, 'nobody@example.com', password('b')).expect(401);
    const res = await login(limited.app, u1.email, u1.password).expect(429);
    expect(res.headers['retry-after']).toMatch(/^\d+$/);
    expect(
      await User.findById(u1.id)
        .lean()
        .then((u) => u!.last_login),
    ).toBeUndefined();
  });

  it('when behind a trusted proxy then each forwarded client address has its own budget', async () => {
    const limited = buildTestApp({ LOGIN_FAILURES_PER_ACCOUNT_ADDRESS: '1', TRUST_PROXY_HOPS: '1' });
    const a = await createUser();
    await login(limited.app, a.email, password('p'), '198.51.100.1').expect(401);
    await login(limited.app, a.email, a.password, '198.51.100.1').expect(429);
    await login(limited.app, a.email, a.password, '198.51.100.2').expect(200);
  });

  it('when IPv6 clients change address inside their /64 then they share one budget; another /64 does not', async () => {
    const limited = buildTestApp({ LOGIN_FAILURES_PER_ACCOUNT_ADDRESS: '2', TRUST_PROXY_HOPS: '1' });
    const a = await createUser();
    await login(limited.app, a.email, password('v6'), '2001:db8:aa:1::1').expect(401);
    await login(limited.app, a.email, password('v6'), '2001:db8:aa:1:ffff:ffff:ffff:fffe').expect(401);
    await login(limited.app, a.email, a.password, '2001:0db8:00aa:0001:1234::9').expect(429);
    await login(limited.app, a.email, a.password, '2001:db8:aa:2::1').expect(200);
  });

  it('when the oldest failure leaves the window then Retry-After said so and a try passes again', async () => {
    let clockMs = Date.UTC(2025, 3, 1, 8, 0, 0);
    const limited = buildTestApp(
      { LOGIN_FAILURES_PER_ACCOUNT_ADDRESS: '2', LOGIN_LIMIT_WINDOW_MINUTES: '15' },
      { now: () => new Date(clockMs) },
    );
    const a = await createUser();
    await login(limited.app, a.email, password('t')).expect(401);
    clockMs += 60_000;
    await login(limited.app, a.email, password('t')).expect(401);
    clockMs += 60_000;
    const refused = await login(limited.app, a.email, a.password).expect(429);
    expect(refused.headers['retry-after']).toBe(String(15 * 60 - 120));
    clockMs += (15 * 60 - 120) * 1000;
    await login(limited.app, a.email, a.password).expect(200);
  });
});

describe('bcrypt work', () => {
  beforeEach(() => RateHit.deleteMany({}));

  it('when the expected wait for bcrypt is over PASSWORD_MAX_WAIT_MS then a login answers 503 with Retry-After and counts nothing; after, it works', async () => {
    // A bound of 0: any wait is too long, so holding every core is enough.
    const t = buildTestApp({ PASSWORD_MAX_WAIT_MS: '0' });
    const a = await createUser();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const held = Array.from({ length: passwordWork.concurrency }, (_, i) =>
      passwordWork.run(`held ${i}`, Number.MAX_SAFE_INTEGER, () => gate),
    );
    const res = await login(t.app, a.email, a.password);
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(await loginHits()).toBe(0);
    const signup = await androidBody(request(t.app).post('/signup'), {
      email: 'busy@example.com',
      password: password('s'),
    });
    expect(signup.status).toBe(503);
    expect(await User.countDocuments({ email: 'busy@example.com' })).toBe(0);
    release();
    await Promise.all(held);
    await login(t.app, a.email, a.password).expect(200);
  });

  it('when the account is unknown, legacy or real then a wrong password costs one bcrypt comparison each', async () => {
    const t = buildTestApp();
    const real = await createUser();
    const legacy = await createUser({ legacy: true });
    const cost = async (email: string, pw: string, status: number) => {
      const before = passwordWork.completed;
      await login(t.app, email, pw).expect(status);
      return passwordWork.completed - before;
    };
    expect(await cost('nobody.at.all@example.com', password('u'), 401)).toBe(1);
    expect(await cost(real.email, password('r'), 401)).toBe(1);
    expect(await cost(legacy.email, password('l'), 401)).toBe(1);
    expect(await cost(real.email, real.password, 200)).toBe(1);
    // The right legacy password: its comparison, then its upgrade to bcrypt.
    expect(await cost(legacy.email, legacy.password, 200)).toBe(2);
    expect(await cost(legacy.email, legacy.password, 200)).toBe(1);
  });
});

describe('other limits', () => {
  beforeEach(() => RateHit.deleteMany({}));

  it('when one address signs up too often then 429 with Retry-After and the extra account is not created', async () => {
    const limited = buildTestApp({ SIGNUP_LIMIT_PER_ADDRESS: '2' });
    for (const n of [1, 2]) {
      await iosBody(
        request(limited.app).post('/signup'),
        `email=lim${n}@example.com&password=${password('l')}`,
      ).expect(200);
    }
    const res = await iosBody(
      request(limited.app).post('/signup'),
      `email=lim3@example.com&password=${password('l')}`,
    ).expect(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(3500);
    expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(3600);
    expect(await User.countDocuments({ email: 'lim3@example.com' })).toBe(0);
  });
});
