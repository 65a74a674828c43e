/**
 * Probes of issue 14 (items 4, 5, 7, 10) against the real database, over HTTP, with the
 * apps' bodies: session fixation and cookie flags; reset codes (single use, expiry,
 * attempts, a 20-way race); the lockout case (an attacker's failures do not lock the
 * owner out of a known place or device, the per-account cap still holds elsewhere); and
 * the session rules (absolute lifetime, a reset ends all, logout ends its own, a second
 * login keeps the first).
 */
import request from 'supertest';
import { RateHit, ResetAttempt, ResetCode, SessionRecord } from '../../src/models';
import { passwordWork } from '../../src/services/accounts/passwords';
import { buildTestApp, type TestApp } from '../helpers/app';
import { useTestDatabase } from '../helpers/db';
import { androidBody, createUser, iosBody, sessionCookieOf, sha256Hex } from '../helpers/factories';
import { sessionIdOf, signedSessionCookie } from '../helpers/session';
import type { MailMessage } from '../../src/mail/mailer';

useTestDatabase();
jest.setTimeout(60_000);

let clockMs = Date.UTC(2025, 4, 2, 9, 0, 0);
const now = () => new Date(clockMs);
const DAY = 24 * 3600_000;
const mails: MailMessage[] = [];
let t: TestApp;

beforeAll(() => {
  t = buildTestApp(
    {
      TRUST_PROXY_HOPS: '1',
      // The reset race needs every racer to reach the code: no per-email or bcrypt shedding.
      NEW_PASSWORD_LIMIT_PER_EMAIL: '1000',
      RESET_LIMIT_PER_ADDRESS: '1000',
    },
    { now, mailer: { send: (m) => (mails.push(m), Promise.resolve()) } },
  );
});
beforeEach(() => RateHit.deleteMany({}));

const wrong = (label: string) => sha256Hex(`wrong ${label} ${Math.random()}`);
const protectedRoute = (cookie: string) =>
  request(t.app).get('/get_number_of_future_messages').set('Cookie', cookie);

/** Android's login (encoded body), from a client address (behind the one trusted proxy). */
/** An Android login; `regId` is the phone's push token (an attacker's is not the owner's). */
function androidLogin(email: string, password: string, ip: string, cookie?: string, regId = 'fcm-token') {
  const req = request(t.app).post('/login').set('X-Forwarded-For', ip);
  return androidBody(cookie ? req.set('Cookie', cookie) : req, {
    email,
    password,
    os: 'android',
    reg_id: regId,
    app_version: '1.1',
  });
}

/** iOS's login (unencoded body, no charset), from a client address. */
function iosLogin(email: string, password: string, ip: string, cookie?: string) {
  const req = request(t.app).post('/login').set('X-Forwarded-For', ip);
  return iosBody(
    cookie ? req.set('Cookie', cookie) : req,
    `email=${email}&password=${password}&os=ios&reg_id=(null)&app_version=2.2&country_code=419`,
  );
}

describe('session fixation and cookie flags', () => {
  it('when a login carries a session id the server never issued then the answer names a new one, and the planted one stays dead', async () => {
    const u = await createUser();
    const planted = signedSessionCookie('planted-by-an-attacker-0123456789');
    const res = await androidLogin(u.email, u.password, '192.0.2.10', planted).expect(200);
    const issued = sessionCookieOf(res);
    expect(sessionIdOf(issued)).not.toBe('planted-by-an-attacker-0123456789');
    await protectedRoute(planted).expect(401);
    await protectedRoute(issued).expect(200);
    expect(await SessionRecord.exists({ _id: 'planted-by-an-attacker-0123456789' })).toBeNull();
  });

  it("when a login carries another user's session then a new session is made and the other one is left as it was", async () => {
    const a = await createUser();
    const b = await createUser();
    const cookieA = sessionCookieOf(await iosLogin(a.email, a.password, '192.0.2.11').expect(200));
    const resB = await iosLogin(b.email, b.password, '192.0.2.11', cookieA).expect(200);
    expect(resB.body.user_id).toBe(b.id);
    const cookieB = sessionCookieOf(resB);
    expect(sessionIdOf(cookieB)).not.toBe(sessionIdOf(cookieA));
    expect((await SessionRecord.findById(sessionIdOf(cookieA)).lean())!.user_id).toBe(a.id);
    expect((await SessionRecord.findById(sessionIdOf(cookieB)).lean())!.user_id).toBe(b.id);
  });

  it('when the cookie is set then it is HttpOnly, SameSite=Lax, path /, no Domain, not Secure, and ends with the session', async () => {
    const u = await createUser();
    const res = await androidLogin(u.email, u.password, '192.0.2.12').expect(200);
    const cookie = (res.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('session='))!;
    expect(cookie).toMatch(/; HttpOnly/i);
    expect(cookie).toMatch(/; SameSite=Lax/i);
    expect(cookie).toMatch(/; Path=\//);
    expect(cookie).not.toMatch(/Secure|Domain=/i);
    const expires = Date.parse(/Expires=([^;]+)/i.exec(cookie)![1]!);
    expect(Math.abs(expires - (Date.now() + 30 * DAY))).toBeLessThan(60_000);
    expect(res.text).not.toContain(sessionIdOf(sessionCookieOf(res)));
  });

  it('when COOKIE_SECURE is set then the cookie is Secure', async () => {
    const secure = buildTestApp({ COOKIE_SECURE: 'true' });
    const u = await createUser();
    const res = await androidBody(request(secure.app).post('/login').set('X-Forwarded-Proto', 'https'), {
      email: u.email,
      password: u.password,
      os: 'android',
      reg_id: '',
    }).expect(200);
    expect((res.headers['set-cookie'] as unknown as string[]).join(';')).toMatch(/; Secure/i);
  });
});

describe('reset codes', () => {
  async function codeFor(email: string): Promise<string> {
    const before = mails.length;
    await request(t.app)
      .get(`/send_reset_mail?email=${encodeURIComponent(email)}`)
      .expect(200);
    for (let i = 0; i < 100 && mails.length === before; i++) await new Promise((r) => setTimeout(r, 10));
    return /: ([A-Z0-9]{6})\n/.exec(mails.at(-1)!.text)![1]!;
  }
  const define = (email: string, code: string, pw: string) =>
    androidBody(request(t.app).post('/define_new_password'), {
      email,
      verification_code: code,
      new_password: pw,
    });

  it('when a code has been used then it is refused the second time', async () => {
    const u = await createUser();
    const code = await codeFor(u.email);
    await define(u.email, code, sha256Hex('first')).expect(200);
    await define(u.email, code, sha256Hex('second')).expect(406);
    await androidLogin(u.email, sha256Hex('first'), '192.0.2.20').expect(200);
  });

  it('when a code is an hour old then it is refused; a minute before, it works', async () => {
    const u = await createUser();
    const old = await codeFor(u.email);
    clockMs += 60 * 60_000;
    await define(u.email, old, sha256Hex('late')).expect(406);
    const fresh = await codeFor(u.email);
    clockMs += 59 * 60_000;
    await define(u.email, fresh, sha256Hex('in time')).expect(200);
  });

  it('when five wrong codes were tried then the right one is refused', async () => {
    const u = await createUser();
    const code = await codeFor(u.email);
    for (let i = 0; i < 5; i++) await define(u.email, 'WRONG1', wrong('c')).expect(406);
    await define(u.email, code, sha256Hex('too late')).expect(406);
  });

  it('when 20 requests race with the right code then exactly one succeeds, and its password is the one set', async () => {
    const racy = buildTestApp(
      { NEW_PASSWORD_LIMIT_PER_EMAIL: '1000', RESET_CODE_MAX_ATTEMPTS: '20' },
      { now, mailer: { send: (m) => (mails.push(m), Promise.resolve()) } },
    );
    const u = await createUser();
    const code = await codeFor(u.email);
    const passwords = Array.from({ length: 20 }, (_, i) => sha256Hex(`race ${i}`));
    const results = await Promise.all(
      passwords.map((pw) =>
        androidBody(request(racy.app).post('/define_new_password'), {
          email: u.email,
          verification_code: code,
          new_password: pw,
        }),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 406)).toHaveLength(19);
    const stored = await ResetCode.findOne({ user_id: u.user._id }).lean();
    expect(await ResetAttempt.countDocuments({ code_id: stored!._id, kind: 'use' })).toBe(1);
    const winner = passwords[statuses.indexOf(200)]!;
    await androidLogin(u.email, winner, '192.0.2.21').expect(200);
    await androidLogin(u.email, passwords[(statuses.indexOf(200) + 1) % 20]!, '192.0.2.21').expect(401);
  });
});

describe('the lockout case', () => {
  it("when an attacker sends 100 wrong passwords then the owner still logs in where they did before and from their phone; a new address meets the account's cap", async () => {
    const owner = await createUser({ phone: '0033611220001' });
    const home = '203.0.113.5';
    const phone = sessionCookieOf(await iosLogin(owner.email, owner.password, home).expect(200));
    const checksBefore = passwordWork.completed;

    // 100 from one address: 10 are checked, the other 90 refused without a check or a hit.
    const fromX = [];
    for (let i = 0; i < 100; i++)
      fromX.push(
        (await androidLogin(owner.email, wrong('x'), '198.51.100.66', undefined, 'attacker')).status,
      );
    expect(fromX.filter((s) => s === 401)).toHaveLength(10);
    expect(fromX.filter((s) => s === 429)).toHaveLength(90);
    await iosLogin(owner.email, owner.password, home).expect(200);
    await androidLogin(owner.email, owner.password, '198.51.100.66', phone).expect(200); // same NAT, own phone

    // 100 more over five other addresses: the account's cap (50 failures) is reached.
    const spread = [];
    for (const ip of ['198.51.100.1', '198.51.100.2', '198.51.100.3', '198.51.100.4', '198.51.100.5']) {
      for (let i = 0; i < 20; i++)
        spread.push((await androidLogin(owner.email, wrong(ip), ip, undefined, 'attacker')).status);
    }
    expect(spread.filter((s) => s === 401)).toHaveLength(40);
    // 50 wrong ones checked; the owner's two logins were remembered (verified at the first).
    expect(passwordWork.completed - checksBefore).toBe(50);
    expect(await RateHit.countDocuments({ key: /^login:fail:acct:/ })).toBe(50);

    const fresh = await iosLogin(owner.email, owner.password, '192.0.2.99');
    expect(fresh.status).toBe(429);
    expect(Number(fresh.headers['retry-after'])).toBeGreaterThan(0);
    await iosLogin(owner.email, owner.password, home).expect(200);
    const away = await iosLogin(owner.email, owner.password, '192.0.2.99', phone).expect(200);
    await protectedRoute(sessionCookieOf(away)).expect(200);
    await protectedRoute(phone).expect(200);
  });

  it('when the session a phone holds belongs to someone else then it does not lift the limits', async () => {
    const victim = await createUser();
    const attacker = await createUser();
    const own = sessionCookieOf(
      await androidLogin(attacker.email, attacker.password, '198.51.100.70').expect(200),
    );
    for (let i = 0; i < 10; i++)
      await androidLogin(victim.email, wrong('v'), '198.51.100.70', own).expect(401);
    await androidLogin(victim.email, wrong('v'), '198.51.100.70', own).expect(429);
  });
});

describe('session rules', () => {
  it('when a session is used every day then it still ends 30 days after its login', async () => {
    const u = await createUser();
    const cookie = sessionCookieOf(await androidLogin(u.email, u.password, '192.0.2.30').expect(200));
    const sid = sessionIdOf(cookie);
    const first = (await SessionRecord.findById(sid).lean())!;
    expect(first.login_at!.getTime()).toBe(clockMs);
    for (let day = 1; day < 30; day++) {
      clockMs += DAY;
      await protectedRoute(cookie).expect(200);
    }
    const stored = (await SessionRecord.findById(sid).lean())!;
    expect(stored.expires!.getTime()).toBe(first.expires!.getTime());
    expect(stored.login_at!.getTime()).toBe(first.login_at!.getTime());
    clockMs += DAY - 1;
    await protectedRoute(cookie).expect(200);
    clockMs += 1;
    await protectedRoute(cookie).expect(401);
    // Logging in again gives a full new lifetime.
    const again = sessionCookieOf(await androidLogin(u.email, u.password, '192.0.2.30', cookie).expect(200));
    await protectedRoute(again).expect(200);
  });

  it('when a session was stored without a login time (before this rule) then it is no session', async () => {
    const u = await createUser();
    const cookie = sessionCookieOf(await androidLogin(u.email, u.password, '192.0.2.31').expect(200));
    await SessionRecord.updateOne({ _id: sessionIdOf(cookie) }, { $unset: { login_at: 1 } });
    await protectedRoute(cookie).expect(401);
  });

  it('when a password is reset then every session of the user ends, and only theirs', async () => {
    const u = await createUser();
    const other = await createUser();
    const android = sessionCookieOf(await androidLogin(u.email, u.password, '192.0.2.40').expect(200));
    const ios = sessionCookieOf(await iosLogin(u.email, u.password, '192.0.2.41').expect(200));
    const helper = sessionCookieOf(await iosLogin(other.email, other.password, '192.0.2.41').expect(200));
    const before = mails.length;
    await request(t.app).get(`/send_reset_mail?email=${u.email}`).expect(200);
    for (let i = 0; i < 100 && mails.length === before; i++) await new Promise((r) => setTimeout(r, 10));
    const code = /: ([A-Z0-9]{6})\n/.exec(mails.at(-1)!.text)![1]!;
    await iosBody(
      request(t.app).post('/define_new_password'),
      `email=${u.email}&verification_code=${code}&new_password=${sha256Hex('reset')}`,
    ).expect(200);
    await protectedRoute(android).expect(401);
    await protectedRoute(ios).expect(401);
    await protectedRoute(helper).expect(200);
    expect(await SessionRecord.countDocuments({ user_id: u.id })).toBe(0);
  });

  it('when a user logs in twice then both sessions work; logout ends only the one it was sent with', async () => {
    const u = await createUser();
    const a = sessionCookieOf(await androidLogin(u.email, u.password, '192.0.2.50').expect(200));
    const b = sessionCookieOf(await androidLogin(u.email, u.password, '192.0.2.50', a).expect(200));
    expect(b).not.toBe(a);
    await Promise.all([protectedRoute(a).expect(200), protectedRoute(b).expect(200)]);
    await request(t.app).post('/logout').set('Cookie', a).expect(200);
    await protectedRoute(a).expect(401);
    await protectedRoute(b).expect(200);
    expect(await SessionRecord.exists({ _id: sessionIdOf(a) })).toBeNull();
  });
});
