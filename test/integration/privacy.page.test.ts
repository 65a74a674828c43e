/**
 * The account page over HTTP (README "Privacy"): the page and its assets, the sign-in with
 * the apps' credentials and login limits, what the signed-in account shows, the data
 * export (its content, that it reads /receive_all's pages and changes nothing), and the
 * guards against cross-site requests.
 */
import mongoose from 'mongoose';
import request from 'supertest';
import { buildTestApp, type TestApp } from '../helpers/app';
import {
  PAGE_HOST,
  SAME_ORIGIN,
  pageCall,
  pageLogin,
  pageSignIn,
  type PageSession,
} from '../helpers/accountPage';
import { useTestDatabase } from '../helpers/db';
import { storeMessage } from '../helpers/messageFactories';
import { buildWorld, type World } from '../helpers/privacyWorld';
import type { AccountExport } from '../../src/services/privacy/export';
import { receivedItemShape } from '../../src/shapes';

useTestDatabase();
jest.setTimeout(60_000);
let t: TestApp;
let w: World;

beforeAll(async () => {
  // Pages of two messages, so that the export has to read /receive_all page after page.
  t = buildTestApp({ RECEIVE_MAX: '1', LOGIN_FAILURES_PER_ACCOUNT_ADDRESS: '3' });
  w = await buildWorld(t.app, '00336420');
});

describe('GET /account', () => {
  it('when asked in English then the page names its fields and loads only its own script and styles', async () => {
    const res = await request(t.app).get('/account').set('Accept-Language', 'en-GB,en;q=0.9').expect(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.text).toContain('<html lang="en">');
    expect(res.text).toContain('<label for="signin-email">Email</label>');
    expect(res.text).toContain('<label for="signin-password">Password</label>');
    expect(res.text).toContain('<label for="delete-email">Type your email to confirm</label>');
    const csp = res.headers['content-security-policy'] as string;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    // Every URL the page names is on this origin.
    const urls = [...res.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(urls.length).toBeGreaterThan(0);
    expect(urls.every((u) => u!.startsWith('/account/assets/'))).toBe(true);
    expect(res.headers['vary']).toMatch(/Accept-Language/);
  });

  it('when the browser prefers French then the page is in French', async () => {
    const res = await request(t.app)
      .get('/account')
      .set('Accept-Language', 'fr-FR,fr;q=0.9,en;q=0.8')
      .expect(200);
    expect(res.text).toContain('<html lang="fr">');
    expect(res.text).toContain('Supprimer définitivement');
    expect(res.text).toContain('"wrong_credentials":"Adresse e-mail ou mot de passe incorrect."');
  });

  it('when its assets are asked for then they are served as what they are, and an unknown one is a 404', async () => {
    const js = await request(t.app).get('/account/assets/account.js').expect(200);
    expect(js.headers['content-type']).toMatch(/javascript/);
    expect(js.text).toContain('/account/login');
    await request(t.app).get('/account/assets/sha256.js').expect(200);
    const css = await request(t.app).get('/account/assets/account.css').expect(200);
    expect(css.headers['content-type']).toMatch(/text\/css/);
    const missing = await request(t.app).get('/account/assets/nothing.js').expect(404);
    expect(missing.text).toBe('no such route');
    // A path out of the assets folder is refused by the static server.
    const out = await request(t.app).get('/account/assets/%2e%2e/render.ts').expect(404);
    expect(out.text).not.toContain('accountPages');
  });
});

describe('signing in on the page', () => {
  it('when the credentials are right then the session cookie is HttpOnly and SameSite=Strict and the account is shown', async () => {
    const page = await pageSignIn(t.app, w.sam.email, w.sam.password);
    expect(page.setCookie).toMatch(/HttpOnly/i);
    expect(page.setCookie).toMatch(/SameSite=Strict/i);
    const me = await page.agent.get('/account/me').expect(200);
    expect(me.headers['cache-control']).toBe('no-store');
    expect(me.body.csrf_token).toBe(page.token);
    // To sam: rita's message of next year. From sam: his to rita next year and his bottle.
    expect(me.body.account).toEqual({
      email: w.sam.email,
      phone: w.sam.phone,
      waiting: { to_you: 1, from_you: 2 },
    });
  });

  it('when the email is typed as iOS would send it then it is the same account', async () => {
    await pageLogin(request(t.app), ` ${w.sam.email.toUpperCase()}`, w.sam.password).expect(200);
  });

  it('when the password is wrong then 401, and the login limits apply', async () => {
    const wrong = () => pageLogin(request(t.app), w.bob.email, 'a'.repeat(64));
    for (let i = 0; i < 3; i++) await wrong().expect(401);
    const limited = await wrong().expect(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // The app's login counts the same failures.
    await request(t.app)
      .post('/login')
      .type('form')
      .send({ email: w.bob.email, password: w.bob.password, os: 'android', reg_id: 'x' })
      .expect(429);
  });

  it('when the form is not JSON, too large, or from another site then it is refused before any check', async () => {
    await request(t.app)
      .post('/account/login')
      .set(SAME_ORIGIN)
      .type('form')
      .send({ email: w.sam.email, password: w.sam.password })
      .expect(415);
    await request(t.app)
      .post('/account/login')
      .set(SAME_ORIGIN)
      .send({ email: w.sam.email, password: 'a'.repeat(5000) })
      .expect(413);
    await request(t.app)
      .post('/account/login')
      .set({ Host: PAGE_HOST, Origin: 'http://evil.example' })
      .send({ email: w.sam.email, password: w.sam.password })
      .expect(403);
    await request(t.app)
      .post('/account/login')
      .set('Sec-Fetch-Site', 'cross-site')
      .send({ email: w.sam.email, password: w.sam.password })
      .expect(403);
    await request(t.app).post('/account/login').set(SAME_ORIGIN).send({ email: w.sam.email }).expect(400);
  });
});

describe('the data export', () => {
  let page: PageSession;
  let data: AccountExport;
  let before: unknown[];

  /** Every document of the collections an export could touch, to compare after it. */
  const snapshot = () =>
    Promise.all(
      ['messages', 'push_jobs', 'push_schedule', 'push_outcomes', 'users'].map((c) =>
        mongoose.connection.collection(c).find({}).sort({ _id: 1 }).toArray(),
      ),
    );

  const older = ['rita to sam, an hour ago', 'rita to sam, half an hour ago'];

  beforeAll(async () => {
    for (const [i, message] of older.entries()) {
      const delivery = new Date(Date.now() - (2 - i) * 1800_000);
      await storeMessage({ sender: w.rita.oid, receiver: w.sam.oid, created: delivery, delivery, message });
    }
    page = await pageSignIn(t.app, w.sam.email, w.sam.password);
    before = await snapshot();
    const res = await pageCall(page, 'get', '/account/export').expect(200);
    expect(res.headers['content-disposition']).toMatch(
      /^attachment; filename="pictever-data-\d{4}-\d{2}-\d{2}\.json"$/,
    );
    expect(res.headers['cache-control']).toBe('no-store');
    data = JSON.parse(res.text);
  });

  it('when downloaded then nothing was marked, moved or written', async () => {
    expect(await snapshot()).toEqual(before);
  });

  it('when downloaded then it holds the account and its device, without the push token', () => {
    expect(data.format).toBe('pictever-account-export/1');
    expect(data.account).toMatchObject({ id: w.sam.id, email: w.sam.email, country_code: 'us' });
    expect(data.devices).toEqual([{ phone: w.sam.phone, os: 'android', app_version: '', push_token: 'set' }]);
    expect(JSON.stringify(data)).not.toContain('token-sam');
    expect(data.phone_history).toEqual([expect.objectContaining({ kind: 'first', phone: w.sam.phone })]);
    expect(data.sessions.length).toBeGreaterThan(0);
    expect(data.waiting).toEqual({ to_you: 1, from_you: 2 });
  });

  it('when downloaded then it holds the address book as uploaded', () => {
    expect(data.address_book?.contacts).toEqual([
      { tel: w.rita.phone, name: 'Rita Sister', as_uploaded: w.rita.phone },
      { tel: w.stranger, name: 'Stranger Danger', as_uploaded: w.stranger },
    ]);
  });

  it('when downloaded then each message sent names its receiver as the send did, with its state', () => {
    const sent = data.messages_sent.map((m) => [m.message, m.to, m.to_name, m.state]);
    expect(sent).toEqual(
      expect.arrayContaining([
        [w.texts.keptAtRita, `num${w.rita.phone}`, 'Rita Sister', 'delivered'],
        [w.texts.pendingToRita, `id${w.rita.id}`, '', 'pending'],
        [w.texts.bottle, `num${w.stranger}`, 'Stranger Danger', 'unclaimed'],
        [w.texts.blocked, `id${w.rita.id}`, '', 'blocked'],
      ]),
    );
    expect(sent).toHaveLength(4);
  });

  it('when downloaded then the messages received are what /receive_all shows, every page of it', async () => {
    const shown = await w.sam.agent.get('/receive_all?ts=0').expect(200);
    const items = data.messages_received;
    // RECEIVE_MAX is 1 here: the app's first page holds one; the export read them all.
    expect(shown.body.new_messages).toHaveLength(1);
    expect(items.map((m) => m.message)).toEqual([...older, w.ritaToSam.delivered]);
    expect(items[0]).toEqual(shown.body.new_messages[0]);
    for (const item of items) expect(Object.keys(item)).toEqual(Object.keys(receivedItemShape.shape));
  });

  it('when downloaded then nothing of another account is in it beyond what /receive_all shows of a sender', () => {
    const text = JSON.stringify(data);
    expect(text).not.toContain(w.bob.email);
    expect(text).not.toContain(w.bob.phone);
    expect(text).not.toContain('bob to rita');
    expect(text).not.toContain('Sam Brother'); // rita's name for sam, in rita's book
    expect(text).not.toContain(w.ritaToSam.pending); // not delivered yet: a surprise still
  });

  it('when asked without the token, with a wrong one, or from another site then it is refused', async () => {
    await page.agent.get('/account/export').expect(403);
    await page.agent.get('/account/export').set('X-CSRF-Token', 'a'.repeat(43)).expect(403);
    await pageCall(page, 'get', '/account/export').set('Origin', 'https://evil.example').expect(403);
    await request(t.app).get('/account/export').expect(401);
  });
});

describe('signing out of the page', () => {
  it('when signed out then the page session is gone and the app sessions stay', async () => {
    const page = await pageSignIn(t.app, w.rita.email, w.rita.password);
    await pageCall(page, 'post', '/account/logout').expect(200);
    await page.agent.get('/account/me').expect(401);
    await w.rita.agent.get('/receive_all?ts=0').expect(200);
  });
});
