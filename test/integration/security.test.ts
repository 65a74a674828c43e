/**
 * Security pass (issue 9): headers without breaking the apps' plain HTTP, no `$`-operator
 * injection through any JSON or form field, and no secret in a log line or an answer
 * across the app flows with a configured session secret.
 */
import { Types } from 'mongoose';
import request from 'supertest';
import type { MailMessage } from '../../src/mail/mailer';
import { AddressBookEntry, Message, PushJob, User } from '../../src/models';
import { buildTestApp, type TestApp } from '../helpers/app';
import { useTestDatabase } from '../helpers/db';
import { createUser, sessionCookieOf, sha256Hex } from '../helpers/factories';
import { seedTestCatalog, storeMessage } from '../helpers/messageFactories';
import { clientFor, createTestUser, loggedIn, sessionCookie, type Client } from '../helpers/session';

useTestDatabase();
let t: TestApp;
let alice: Client;
let bob: Client;
let chloe: Client;
let phoneNo = 0;
const nextPhone = () => `00336${String(20_000_000 + ++phoneNo)}`;
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const post = (c: Client, path: string, fields: Record<string, string>) =>
  c.post(path).type('form').send(form(fields));

beforeAll(async () => {
  await seedTestCatalog();
  t = buildTestApp();
  alice = await loggedIn(t.app, { phone: nextPhone() });
  bob = await loggedIn(t.app, { phone: nextPhone() });
  chloe = await loggedIn(t.app, { phone: nextPhone() });
});

describe('security headers', () => {
  it('when any route answers then helmet headers are set and nothing advertises the server', async () => {
    for (const path of ['/hello', '/no_such_route', '/get_my_status']) {
      const res = await request(t.app).get(path);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(res.headers['content-security-policy']).toContain("default-src 'none'");
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(res.headers['cross-origin-opener-policy']).toBe('same-origin');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['x-powered-by']).toBeUndefined();
    }
  });

  it('when the deployment is plain HTTP (the default) then no HSTS, no redirect, and the session works', async () => {
    const hello = await request(t.app).get('/hello');
    expect(hello.status).toBe(200);
    expect(hello.headers['strict-transport-security']).toBeUndefined();
    const u = await createUser();
    const login = await request(t.app)
      .post('/login')
      .type('form')
      .send(form({ email: u.email, password: u.password, os: 'android', reg_id: '' }));
    expect(login.status).toBe(200);
    expect(login.headers.location).toBeUndefined();
    expect(login.headers['strict-transport-security']).toBeUndefined();
    const cookie = sessionCookieOf(login);
    await request(t.app).get('/get_number_of_future_messages').set('Cookie', cookie).expect(200, '0');
  });

  it('when the deployment is HTTPS-only (COOKIE_SECURE) then HSTS is advertised', async () => {
    const secure = buildTestApp({ COOKIE_SECURE: 'true' });
    const res = await request(secure.app).get('/hello').expect(200);
    expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
  });
});

describe('no $-operator injection', () => {
  const OPS = [
    { $ne: null },
    [{ $ne: null }],
    [{ $gt: '' }],
    { $where: 'true' },
    [{ $regex: '.*' }],
    { $in: [] },
  ];

  it('when receiver_ids or delivery_option hold operators then /send answers 400 and stores nothing', async () => {
    const before = await Message.countDocuments({});
    for (const op of OPS) {
      const a = await post(alice, '/send', { message: 'op', receiver_ids: JSON.stringify(op) });
      expect(a.status).toBe(400);
      expect(a.text).not.toBe('');
      const b = await post(alice, '/send', {
        message: 'op',
        receiver_ids: JSON.stringify([`id${bob.user.id}`]),
        delivery_option: JSON.stringify({ type: op, parameters: op }),
      });
      expect(b.status).toBe(400);
      const c = await post(alice, '/send', {
        message: 'op',
        receiver_ids: JSON.stringify([`id${bob.user.id}`]),
        delivery_option: JSON.stringify({ type: 'calendar', parameters: op }),
      });
      expect(c.status).toBe(400);
    }
    expect(await Message.countDocuments({})).toBe(before);
  });

  it('when contacts_to_block holds operators then 400 and no message of anyone is blocked', async () => {
    const m = await storeMessage({
      sender: bob.user.oid,
      receiver: chloe.user.oid,
      delivery: new Date(Date.now() + 86_400_000),
    });
    for (const op of OPS) {
      const res = await post(alice, '/block_contacts', { contacts_to_block: JSON.stringify(op) });
      expect(res.status).toBe(400);
    }
    const res = await alice.post('/block_contacts').type('form').send('contacts_to_block[$ne]=1');
    expect(res.status).toBe(400);
    expect((await Message.findById(m).lean())?.blocked).toBe(false);
  });

  it('when contacts hold operators then no account is disclosed', async () => {
    for (const op of OPS) {
      const res = await post(alice, '/upload_contacts', { contacts: JSON.stringify(op) });
      expect([200, 400]).toContain(res.status);
      if (res.status === 200) expect(JSON.parse(res.text)).toEqual([]);
    }
  });

  it('when address_book entries hold operators then nothing with an operator is stored', async () => {
    const book = [
      { tel: { $ne: null }, name: 'x' },
      { tel: bob.user.phone, name: { $gt: '' } },
      { $where: 'true' },
    ];
    const res = await post(alice, '/upload_address_book', { address_book: JSON.stringify(book) });
    expect([200, 400]).toContain(res.status);
    const stored = await AddressBookEntry.find({ owner_id: alice.user.oid }).lean();
    for (const e of stored) {
      expect(typeof e.name).toBe('string');
      expect(JSON.stringify(e)).not.toContain('$');
    }
  });

  it('when message_id or ts are operators then 400 or 404, and no message moves', async () => {
    const m = await storeMessage({ sender: bob.user.oid, receiver: chloe.user.oid, delivery: new Date() });
    const before = await Message.findById(m).lean();
    for (const body of [
      'message_id[$ne]=x',
      `message_id=${encodeURIComponent('{"$ne":null}')}`,
      'message_id=',
    ]) {
      const res = await alice.post('/resend').type('form').send(body);
      expect([400, 404]).toContain(res.status);
      expect(res.text).not.toBe('');
    }
    expect((await Message.findById(m).lean())?.delivery_time).toEqual(before?.delivery_time);
    await alice.get('/receive_all?ts[$gt]=0').expect(400);
    await alice.get(`/receive_all?ts=${encodeURIComponent('{"$gt":0}')}`).expect(400);
  });

  it('when the account forms carry operator-looking keys or values then nobody is logged in or changed', async () => {
    const u = await createUser();
    const attempts = [
      'email[$ne]=x&password[$ne]=x&os=android&reg_id=',
      `email=${encodeURIComponent(u.email)}&password[$ne]=x&os=android&reg_id=`,
      `email=${encodeURIComponent('{"$ne":null}')}&password=${encodeURIComponent('{"$ne":null}')}&os=android&reg_id=`,
      `email=${encodeURIComponent(u.email)}&password=${encodeURIComponent('{"$gt":""}')}&os=android&reg_id=`,
    ];
    for (const body of attempts) {
      const res = await request(t.app).post('/login').type('form').send(body);
      expect([400, 401]).toContain(res.status);
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    const reset = await request(t.app)
      .post('/define_new_password')
      .type('form')
      .send(`email=${encodeURIComponent(u.email)}&verification_code[$ne]=x&new_password=${sha256Hex('x')}`);
    expect(reset.status).toBe(400);
    const reset2 = await request(t.app)
      .post('/define_new_password')
      .type('form')
      .send(form({ email: u.email, verification_code: '{"$ne":null}', new_password: sha256Hex('x') }));
    expect(reset2.status).toBe(406);
    await request(t.app).get('/send_reset_mail?email[$ne]=x').expect(400);
    const phone = await post(alice, '/define_first_phone_number', {
      phone_number: '{"$ne":null}',
      os: 'android',
      reg_id: '',
    });
    expect(phone.status).toBe(400);
    expect((await User.collection.findOne({ _id: u.user._id }))?.password).toBe(u.user.password);
  });

  it('when a request names another user or message then it does not act on it', async () => {
    const m = await storeMessage({ sender: bob.user.oid, receiver: chloe.user.oid, delivery: new Date() });
    const before = await Message.findById(m).lean();
    const res = await post(alice, '/resend', { message_id: m.toHexString() });
    expect(res.status).toBe(200);
    expect(await Message.findById(m).lean()).toEqual(before);
    const unknown = await post(alice, '/send', {
      message: 'x',
      receiver_ids: JSON.stringify([`id${new Types.ObjectId().toHexString()}`]),
    });
    expect(unknown.status).toBe(400);
    expect(await PushJob.countDocuments({ message_id: m })).toBe(0);
  });
});

describe('no secret in a log line or an answer', () => {
  it('when the app flows run with a session secret then no hash, code, token, secret or session id leaks', async () => {
    const SECRET = `session-secret-${sha256Hex(String(Date.now()))}`;
    const mails: MailMessage[] = [];
    const app = buildTestApp(
      { SESSION_SECRET: SECRET },
      { mailer: { send: (m) => (mails.push(m), Promise.resolve()) } },
    );
    const answers: string[] = [];
    const keep = (res: { text: string; headers: Record<string, unknown> }) => {
      answers.push(res.text, JSON.stringify(res.headers['content-type'] ?? ''));
      return res;
    };
    const email = `sec.${Date.now()}@example.com`;
    const password = sha256Hex('correct horse');
    const token = `fcm-token-${sha256Hex('token').slice(0, 20)}`;
    keep(
      await request(app.app)
        .post('/signup')
        .type('form')
        .send(form({ email, password, country_code: 'FR' })),
    );
    const login = keep(
      await request(app.app)
        .post('/login')
        .type('form')
        .send(form({ email, password, os: 'android', reg_id: token })),
    );
    const cookie = sessionCookieOf(login);
    const sid = decodeURIComponent(cookie.split('=')[1]!).slice(2).split('.')[0]!;
    const phone = nextPhone();
    keep(
      await request(app.app)
        .post('/define_first_phone_number')
        .set('Cookie', cookie)
        .type('form')
        .send(form({ phone_number: phone, os: 'android', reg_id: token })),
    );
    const other = await createTestUser({ phone: nextPhone() });
    const otherClient = clientFor(app.app, other, await sessionCookie(other.id, SECRET));
    keep(
      await request(app.app)
        .post('/send')
        .set('Cookie', cookie)
        .type('form')
        .send(form({ message: 'hi', receiver_ids: JSON.stringify([`id${other.id}`]) })),
    );
    keep(await otherClient.get('/receive_all?ts=0'));
    keep(await request(app.app).get(`/send_reset_mail?email=${encodeURIComponent(email)}`));
    const code = /:\s*([A-Z0-9]{4,})\s*$/m.exec(mails.at(-1)?.text ?? '')?.[1];
    expect(code).toBeDefined();
    keep(
      await request(app.app)
        .post('/define_new_password')
        .type('form')
        .send(form({ email, verification_code: 'ZZZZZZ', new_password: sha256Hex('x') })),
    );
    keep(
      await request(app.app)
        .post('/define_new_password')
        .type('form')
        .send(form({ email, verification_code: code!, new_password: sha256Hex('new') })),
    );
    const hash = (await User.collection.findOne({ email }))?.password as string | undefined;
    expect(hash).toMatch(/^\$2/);
    const secrets = [SECRET, password, sha256Hex('new'), hash!, token, sid];
    const texts = [...app.logLines, ...answers];
    for (const s of secrets) expect(texts.filter((l) => l.includes(s))).toEqual([]);
    expect(texts.filter((l) => new RegExp(`\\b${code!}\\b`).test(l))).toEqual([]);
    expect(app.logLines.length).toBeGreaterThan(5);
  });
});
