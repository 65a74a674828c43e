import request from 'supertest';
import { RateHit, ResetAttempt, ResetCode, SessionRecord, User } from '../../src/models';
import { runCleanup } from '../../workers/periodic/cleanup';
import { buildTestApp, type TestApp } from '../helpers/app';
import { useTestDatabase } from '../helpers/db';
import { androidBody, createUser, iosBody, sessionCookieOf, sha256Hex } from '../helpers/factories';
import { startSmtpSink, type ReceivedMail, type SmtpSink } from '../helpers/smtpSink';

useTestDatabase();
let sink: SmtpSink;
let t: TestApp;
let clockMs = Date.UTC(2025, 0, 10, 12, 0, 0);
const now = () => new Date(clockMs);
const codes: string[] = []; // every code emailed: none may appear in a log line or a response
const bodies: string[] = [];

beforeAll(async () => {
  sink = await startSmtpSink();
  t = buildTestApp({ SMTP_URL: sink.url }, { now });
});
afterAll(() => sink.close());
beforeEach(() => RateHit.deleteMany({}));

/** Asks for a reset email and returns the code it carries. */
async function requestCode(email: string, app = t.app): Promise<{ code: string; mail: ReceivedMail }> {
  const before = sink.messages.length;
  const res = await request(app)
    .get(`/send_reset_mail?email=${encodeURIComponent(email)}`)
    .expect(200);
  expect(res.text).toBe('');
  const mail = await sink.waitFor((m) => m.to.includes(email) && sink.messages.indexOf(m) >= before);
  const code = /: ([A-Z0-9]{4,12})\n/.exec(mail.text)?.[1];
  if (!code) throw new Error('no code in the email');
  codes.push(code);
  return { code, mail };
}

function newPassword(email: string, code: string, pw = sha256Hex(`new ${Math.random()}`), app = t.app) {
  return androidBody(request(app).post('/define_new_password'), {
    email,
    verification_code: code,
    new_password: pw,
  }).then((res) => {
    bodies.push(res.text);
    return res;
  });
}

const login = (email: string, password: string) =>
  androidBody(request(t.app).post('/login'), { email, password, os: 'android', reg_id: '' });

async function loginCookie(email: string, password: string): Promise<string> {
  return sessionCookieOf(await login(email, password).expect(200));
}

describe('GET /send_reset_mail', () => {
  it('when the email has no account then 406 and no email is sent', async () => {
    const before = sink.messages.length;
    await request(t.app).get('/send_reset_mail?email=ghost@example.com').expect(406);
    await new Promise((r) => setTimeout(r, 200));
    expect(sink.messages.length).toBe(before);
  });

  it('when the email has an account then a 6-character A-Z0-9 code is emailed and only its hash is stored', async () => {
    const u = await createUser();
    const { code, mail } = await requestCode(u.email);
    expect(code).toMatch(/^[A-Z0-9]{6}$/);
    expect(mail.subject).toBe('Your Pictever verification code');
    expect(mail.text).toContain('60 minutes');
    const stored = await ResetCode.findOne({ user_id: u.user._id }).select('+code_hash').lean();
    expect(stored!.code_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored)).not.toContain(code);
    expect(stored!.expires_at.getTime() - stored!.created_at.getTime()).toBe(3_600_000);
  });

  it('when the account is French, Belgian or Swiss then the email is French', async () => {
    const u = await createUser({ countryCode: 'be' });
    const { mail } = await requestCode(u.email);
    expect(mail.subject).toBe('Ton code de vérification Pictever');
    expect(mail.text).toContain('Ton code de vérification est');
  });

  it('when iOS sends the email with a + as a space then it finds the account', async () => {
    const u = await createUser({ email: 'reset+ios@example.com' });
    await request(t.app).get('/send_reset_mail?email=reset+ios@example.com').expect(200);
    await sink.waitFor((m) => m.to.includes(u.email));
  });

  it('when the email parameter is missing or empty then 400', async () => {
    expect((await request(t.app).get('/send_reset_mail').expect(400)).text).toContain('missing field email');
    await request(t.app).get('/send_reset_mail?email=').expect(400);
  });

  it('when one email asks too often then 429', async () => {
    const limited = buildTestApp({ SMTP_URL: sink.url, RESET_MAIL_LIMIT_PER_EMAIL: '2' }, { now });
    const u = await createUser();
    await request(limited.app).get(`/send_reset_mail?email=${u.email}`).expect(200);
    await request(limited.app).get(`/send_reset_mail?email=${u.email}`).expect(200);
    await request(limited.app).get(`/send_reset_mail?email=${u.email}`).expect(429);
  });

  it('when one address probes many emails then 429', async () => {
    const limited = buildTestApp({ SMTP_URL: sink.url, RESET_LIMIT_PER_ADDRESS: '2' }, { now });
    await request(limited.app).get('/send_reset_mail?email=probe1@example.com').expect(406);
    await request(limited.app).get('/send_reset_mail?email=probe2@example.com').expect(406);
    await request(limited.app).get('/send_reset_mail?email=probe3@example.com').expect(429);
  });
});

describe('POST /define_new_password', () => {
  it('when the code is right then the password changes, the old one stops working, and nobody is logged in', async () => {
    const u = await createUser({ legacy: true });
    const { code } = await requestCode(u.email);
    const pw = sha256Hex('brand new');
    const res = await newPassword(u.email, code.toLowerCase(), pw);
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
    expect(res.headers['set-cookie']).toBeUndefined();
    await login(u.email, u.password).then((r) => expect(r.status).toBe(401));
    await login(u.email, pw).then((r) => expect(r.status).toBe(200));
    const user = await User.findById(u.id).select('+password +legacy_password').lean();
    expect(user!.legacy_password).toBeUndefined();
    expect(user!.password).toMatch(/^\$2[aby]\$/);
  });

  it('when the reset succeeds then every session of the user ends, others stay, and the user is told by email', async () => {
    const u = await createUser({ countryCode: 'fr' });
    const other = await createUser();
    const phone = await loginCookie(u.email, u.password);
    const tablet = await loginCookie(u.email, u.password);
    const otherCookie = await loginCookie(other.email, other.password);
    expect(await SessionRecord.countDocuments({ user_id: u.id })).toBe(2);
    const { code } = await requestCode(u.email);
    const before = sink.messages.length;
    const pw = sha256Hex('after reset');
    expect((await newPassword(u.email, code, pw)).status).toBe(200);
    for (const cookie of [phone, tablet]) {
      await request(t.app).get('/get_address_book').set('Cookie', cookie).expect(401);
    }
    await request(t.app).get('/get_address_book').set('Cookie', otherCookie).expect(200);
    expect(await SessionRecord.countDocuments({ user_id: u.id })).toBe(0);
    const mail = await sink.waitFor(
      (m) => m.to.includes(u.email) && sink.messages.indexOf(m) >= before && !m.text.includes(code),
    );
    expect(mail.subject).toBe('Ton mot de passe Pictever a été changé');
    expect(mail.text).toContain(u.email);
    expect(mail.text).not.toContain(pw);
    await loginCookie(u.email, pw);
  });

  it('when an English account resets its password then the email is in English', async () => {
    const u = await createUser({ countryCode: 'us' });
    const { code } = await requestCode(u.email);
    const before = sink.messages.length;
    expect((await newPassword(u.email, code)).status).toBe(200);
    const mail = await sink.waitFor(
      (m) => m.to.includes(u.email) && sink.messages.indexOf(m) >= before && !m.text.includes(code),
    );
    expect(mail.subject).toBe('Your Pictever password was changed');
  });

  it('when wrong codes reach the daily cap then even a new right code is refused with 429 until a day has passed', async () => {
    const capped = buildTestApp({ SMTP_URL: sink.url, RESET_WRONG_CODES_PER_DAY: '3' }, { now });
    const u = await createUser();
    const first = await requestCode(u.email, capped.app);
    const wrong = first.code === 'ZZZZZZ' ? 'YYYYYY' : 'ZZZZZZ';
    for (let i = 0; i < 3; i++)
      expect((await newPassword(u.email, wrong, undefined, capped.app)).status).toBe(406);
    const refused = await newPassword(u.email, first.code, undefined, capped.app);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(23 * 3600);
    await RateHit.deleteMany({ key: /^(newpw:addr|newpw:email|reset:)/ }); // only the daily cap is left
    const second = await requestCode(u.email, capped.app);
    expect((await newPassword(u.email, second.code, undefined, capped.app)).status).toBe(429);
    expect(await RateHit.countDocuments({ key: /^newpw:wrong:/ })).toBe(3);
    clockMs += 24 * 3_600_000;
    await RateHit.deleteMany({ key: /^(newpw:addr|newpw:email|reset:)/ });
    const third = await requestCode(u.email, capped.app);
    expect((await newPassword(u.email, third.code, undefined, capped.app)).status).toBe(200);
  });

  it('when the email has no account then 401', async () => {
    expect((await newPassword('ghost@example.com', 'ABCD')).status).toBe(401);
  });

  it('when the code is wrong, or none was sent, then 406', async () => {
    const u = await createUser();
    expect((await newPassword(u.email, 'AAAA')).status).toBe(406);
    const { code } = await requestCode(u.email);
    expect((await newPassword(u.email, code === 'AAAA' ? 'BBBB' : 'AAAA')).status).toBe(406);
    await login(u.email, u.password).then((r) => expect(r.status).toBe(200));
  });

  it('when a code is used a second time then 406', async () => {
    const u = await createUser();
    const { code } = await requestCode(u.email);
    expect((await newPassword(u.email, code)).status).toBe(200);
    const pw = sha256Hex('second');
    expect((await newPassword(u.email, code, pw)).status).toBe(406);
    await login(u.email, pw).then((r) => expect(r.status).toBe(401));
  });

  it('when two requests use one code at the same moment then exactly one succeeds', async () => {
    const u = await createUser();
    const { code } = await requestCode(u.email);
    const results = await Promise.all(
      Array.from({ length: 4 }, (_, i) => newPassword(u.email, code, sha256Hex(`race ${i}`))),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 406, 406, 406]);
    expect(await ResetAttempt.countDocuments({ kind: 'use' })).toBeGreaterThanOrEqual(1);
  });

  it('when the code is older than an hour then 406; just before, it works', async () => {
    const u = await createUser();
    const { code } = await requestCode(u.email);
    clockMs += 60 * 60_000;
    expect((await newPassword(u.email, code)).status).toBe(406);

    const second = await requestCode(u.email);
    clockMs += 59 * 60_000;
    expect((await newPassword(u.email, second.code)).status).toBe(200);
  });

  it('when a new code is sent then the older one no longer works', async () => {
    const u = await createUser();
    const first = await requestCode(u.email);
    clockMs += 1_000;
    const second = await requestCode(u.email);
    if (first.code !== second.code) expect((await newPassword(u.email, first.code)).status).toBe(406);
    expect((await newPassword(u.email, second.code)).status).toBe(200);
  });

  it('when 5 wrong codes were tried then the right one is refused too', async () => {
    const u = await createUser();
    const { code } = await requestCode(u.email);
    const wrong = code === 'ZZZZ' ? 'YYYY' : 'ZZZZ';
    for (let i = 0; i < 5; i++) expect((await newPassword(u.email, wrong)).status).toBe(406);
    expect((await newPassword(u.email, code)).status).toBe(406);
  });

  it('when 4 wrong codes were tried then the right one still works', async () => {
    const u = await createUser();
    const { code } = await requestCode(u.email);
    const wrong = code === 'ZZZZ' ? 'YYYY' : 'ZZZZ';
    for (let i = 0; i < 4; i++) expect((await newPassword(u.email, wrong)).status).toBe(406);
    expect((await newPassword(u.email, code)).status).toBe(200);
  });

  it('when many wrong guesses arrive at once then all fail, each is counted, and the right code is refused after', async () => {
    const u = await createUser();
    const { code } = await requestCode(u.email);
    const wrong = code === 'ZZZZ' ? 'YYYY' : 'ZZZZ';
    const results = await Promise.all(Array.from({ length: 10 }, () => newPassword(u.email, wrong)));
    expect(results.every((r) => r.status === 406)).toBe(true);
    const stored = await ResetCode.findOne({ user_id: u.user._id }).lean();
    expect(await ResetAttempt.countDocuments({ code_id: stored!._id, kind: 'attempt' })).toBe(10);
    expect((await newPassword(u.email, code)).status).toBe(406);
  });

  it.each([
    [{ verification_code: 'ABCD', new_password: 'x' }, 'missing field email'],
    [{ email: 'a@example.com', new_password: 'x' }, 'missing field verification_code'],
    [{ email: 'a@example.com', verification_code: 'ABCD' }, 'missing field new_password'],
    [{ email: 'a@example.com', verification_code: '', new_password: 'x' }, 'invalid field verification_code'],
  ])('when the form is %j then 400', async (fields, reason) => {
    const res = await androidBody(
      request(t.app).post('/define_new_password'),
      fields as Record<string, string>,
    ).expect(400);
    expect(res.text).toContain(reason);
  });

  it('when iOS sends the form raw then it works', async () => {
    const u = await createUser({ email: 'raw+reset@example.com' });
    const { code } = await requestCode(u.email);
    const pw = sha256Hex('ios new');
    await iosBody(
      request(t.app).post('/define_new_password'),
      `email=raw+reset@example.com&verification_code=${code}&new_password=${pw}`,
    ).expect(200);
    await login(u.email, pw).then((r) => expect(r.status).toBe(200));
  });

  it('when one address sends too many attempts then 429', async () => {
    const limited = buildTestApp({ SMTP_URL: sink.url, RESET_LIMIT_PER_ADDRESS: '2' }, { now });
    const u = await createUser();
    await newPassword(u.email, 'AAAA', undefined, limited.app).then((r) => expect(r.status).toBe(406));
    await newPassword(u.email, 'AAAA', undefined, limited.app).then((r) => expect(r.status).toBe(406));
    await newPassword(u.email, 'AAAA', undefined, limited.app).then((r) => expect(r.status).toBe(429));
  });
});

describe('cleanup and secrecy', () => {
  it('when the cleanup runs after the codes expired then codes, attempts and rate hits past their window are removed', async () => {
    const u = await createUser();
    await requestCode(u.email);
    await newPassword(u.email, 'AAAA');
    clockMs += 2 * 3_600_000 + 1;
    const removed = await runCleanup(now(), t.logger, t.config);
    expect(removed.reset_codes).toBeGreaterThan(0);
    expect(await ResetCode.countDocuments({ expires_at: { $lt: now() } })).toBe(0);
    expect(await ResetAttempt.countDocuments({})).toBe(0);
    // The wrong code still counts against the account's day; the hourly hits are gone.
    expect(await RateHit.countDocuments({ key: { $not: /^newpw:wrong:/ } })).toBe(0);
    expect(await RateHit.countDocuments({ key: /^newpw:wrong:/ })).toBe(1);
    clockMs += 24 * 3_600_000;
    await runCleanup(now(), t.logger, t.config);
    expect(await RateHit.countDocuments({})).toBe(0);
  });

  it('when this file is done then no code appeared in a log line or a response', () => {
    expect(codes.length).toBeGreaterThan(5);
    const logs = t.logLines.join('\n');
    for (const code of codes) {
      // An all-digit code could be any number in a log line (a time, a port): check the others.
      if (/[A-Z]/.test(code)) expect(logs).not.toMatch(new RegExp(`[^A-Za-z0-9]${code}[^A-Za-z0-9]`));
      for (const body of bodies) expect(body).not.toContain(code);
    }
    expect(logs).not.toMatch(/\$2[aby]\$\d\d\$/);
  });
});
