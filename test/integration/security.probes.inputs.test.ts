/**
 * Probes of issue 14 items 1 to 3 against the app on a real port and the real database:
 * crafted inputs sent to the real endpoints, each with a `/hello` sent while it is in
 * flight, then the size limits and daily quotas as an app meets them.
 *
 * Requests whose body matters are sent over a plain socket (test/helpers/rawHttp.ts) so
 * that the probe decides how much of the body the server has when it answers: a 404, 401
 * or 415 that arrives while most of the body is still unsent shows that the body was not
 * read, let alone inflated; the same connection then carries a `/hello`, which shows that
 * the early answer left it usable.
 *
 * GUARD_MS bounds the attacking requests: a guard against the minutes they used to take
 * (a 200,000-digit calendar date: about two minutes of blocked event loop), not a speed
 * benchmark; they take milliseconds now.
 */
import type { Server } from 'node:http';
import { gzipSync } from 'node:zlib';
import { Message, QuotaHit } from '../../src/models';
import { buildTestApp, type TestApp } from '../helpers/app';
import { useTestDatabase } from '../helpers/db';
import { seedTestCatalog } from '../helpers/messageFactories';
import { head, listen, RawConnection, type RawAnswer } from '../helpers/rawHttp';
import { loggedIn, type Client } from '../helpers/session';

useTestDatabase();
const GUARD_MS = 5_000;
let t: TestApp;
let server: Server;
let port: number;
let alice: Client;
let bob: Client;
let phoneNo = 0;
const nextPhone = () => `00336${String(40_000_000 + ++phoneNo)}`;
const url = (path: string) => `http://127.0.0.1:${port}${path}`;
const androidForm = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

/** An app-shaped request over HTTP (fetch), with Alice's session unless told otherwise. */
async function call(path: string, init: { body?: string; cookie?: string | null } = {}) {
  const headers: Record<string, string> = {};
  if (init.cookie !== null) headers.Cookie = init.cookie ?? alice.cookie;
  if (init.body !== undefined) headers['Content-Type'] = 'application/x-www-form-urlencoded; charset=UTF-8';
  const res = await fetch(url(path), {
    method: init.body === undefined ? 'GET' : 'POST',
    headers,
    body: init.body,
  });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

/** Runs the attack with a /hello sent while it is in flight; both must be answered. */
async function withHello<T>(attack: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const start = Date.now();
  const running = attack().then((result) => ({ result, ms: Date.now() - start }));
  const hello = await call('/hello', { cookie: null });
  expect(hello).toMatchObject({ status: 200, text: 'hello' });
  const done = await running;
  expect(done.ms).toBeLessThan(GUARD_MS);
  return done;
}

beforeAll(async () => {
  await seedTestCatalog();
  t = buildTestApp();
  ({ server, port } = await listen(t.app));
  alice = await loggedIn(t.app, { phone: nextPhone() });
  bob = await loggedIn(t.app, { phone: nextPhone() });
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('crafted inputs (items 1 and 2), with /hello answering meanwhile', () => {
  it('when /receive_all gets a 200,000-digit ts then Node refuses the URL with 431; 15,000 digits are a 400', async () => {
    const { result } = await withHello(async () => {
      const c = await RawConnection.open(port);
      await c.write(head('GET', `/receive_all?ts=${'1'.repeat(200_000)}x`, { Cookie: alice.cookie }));
      const answer = await c.next();
      c.end();
      return answer;
    });
    expect(result).toMatchObject({ status: 431, body: 'request line or headers too large' });
    const { result: under } = await withHello(() => call(`/receive_all?ts=${'1'.repeat(15_000)}x`));
    expect(under).toMatchObject({ status: 400, text: 'ts must be epoch seconds' });
  });

  it('when /send carries a huge calendar date then 400 (413 past the route limit), and nothing is stored', async () => {
    const before = await Message.countDocuments({});
    const sendWith = (parameters: unknown) =>
      call('/send', {
        body: androidForm({
          message: 'hi',
          receiver_ids: JSON.stringify([`id${bob.user.id}`]),
          delivery_option: JSON.stringify({ type: 'calendar', parameters }),
        }),
      });
    const { result: digits } = await withHello(() => sendWith(`${'1'.repeat(300_000)}x`));
    expect(digits).toMatchObject({ status: 400, text: 'calendar parameters must be epoch seconds or "now"' });
    const { result: number } = await withHello(() => sendWith(1e300));
    expect(number.status).toBe(400);
    const { result: huge } = await withHello(() => sendWith('1'.repeat(5_900_000)));
    expect(huge.status).toBe(413);
    expect(huge.text).toMatch(/^request body too large \(at most \d+ bytes here\)$/);
    expect(await Message.countDocuments({})).toBe(before);
  });

  it('when /login gets a gzip body without a session then 415 before the body is sent, and the connection stays usable', async () => {
    const gz = gzipSync(`email=a@example.com&password=${'a'.repeat(6 * 1024 * 1024)}&os=android&reg_id=`);
    expect(gz.length).toBeLessThan(10_000); // what inflates to 6 MB
    const c = await RawConnection.open(port);
    const headers = { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Encoding': 'gzip' };
    await c.write(head('POST', '/login', { ...headers, 'Content-Length': gz.length }));
    await c.write(gz.subarray(0, 100));
    const answer = await c.next();
    expect(answer).toMatchObject({
      status: 415,
      body: 'compressed request bodies are not accepted: send it without Content-Encoding',
    });
    await c.write(gz.subarray(100));
    await c.write(head('GET', '/hello'));
    expect(await c.next()).toMatchObject({ status: 200, body: 'hello' });
    c.end();
  });

  it.each([
    ['POST', '/no_such_route', 1024 * 1024, 404, 'no such route'],
    ['POST', '/upload_address_book', 6 * 1024 * 1024 - 1, 401, 'login required'],
    ['POST', '/upload_contacts', 6 * 1024 * 1024 - 1, 401, 'login required'],
    ['POST', '/send', 300 * 1024, 401, 'login required'],
  ])(
    'when %s %s declares %d bytes without a session then %d while most of the body is unsent',
    async (method, path, length, status, reason) => {
      const c = await RawConnection.open(port);
      const { result } = await withHello(async () => {
        await c.write(
          head(method, path, {
            'Content-Type': 'application/x-www-form-urlencoded',
            'Content-Length': length,
          }),
        );
        await c.write(`address_book=${'x'.repeat(64 * 1024)}`);
        return c.next();
      });
      expect(result).toMatchObject({ status, body: reason });
      // The rest of the body is dropped as it comes; the connection then serves the next request.
      await c.write(Buffer.alloc(length - 64 * 1024 - 'address_book='.length, 'x'));
      await c.write(head('GET', '/hello'));
      expect(await c.next()).toMatchObject({ status: 200, body: 'hello' });
      c.end();
    },
  );

  it('when a body is over its route limit then 413 with the limit, and the client reads the whole answer before the close', async () => {
    const c = await RawConnection.open(port);
    const body = `email=a@example.com&password=${'a'.repeat(100 * 1024)}&os=android&reg_id=`;
    await c.write(
      head('POST', '/login', {
        'Content-Type': 'application/x-www-form-urlencoded',
        'Content-Length': body.length,
      }),
    );
    await c.write(body);
    const answer: RawAnswer = await c.next();
    expect(answer).toMatchObject({ status: 413, body: 'request body too large (at most 65536 bytes here)' });
    expect(answer.headers.connection).toBe('close');
    c.end();
  });

  it('when an address book of 5.9 MB is crafted against the flat-object scan then 400 and /hello answers meanwhile', async () => {
    const crafted = `{"tel":1${' '.repeat(100)}`.repeat(Math.floor(5_900_000 / 108));
    const { result } = await withHello(
      () => call('/upload_address_book', { body: `address_book=${crafted}` }), // unencoded, as iOS sends it,
    );
    expect(result).toMatchObject({ status: 400, text: 'invalid field address_book: no contact in it' });
  });

  it('when a form is 60,000 pieces of `a&` then it is read up to the pair bound and refused with a reason', async () => {
    const { result } = await withHello(() => call('/login', { cookie: null, body: 'a&'.repeat(30_000) }));
    // A failed login is always a 401 (issue 13 item 3), with the form's reason.
    expect(result.status).toBe(401);
    expect(result.text).toMatch(/^missing field/);
  });
});

describe('sizes and quotas (item 3)', () => {
  it('when the text is over MESSAGE_MAX_CHARS then 400; the largest send the settings allow still fits the body limit', async () => {
    const receivers = JSON.stringify(Array.from({ length: 2_000 }, () => `id${bob.user.id}`));
    const biggest = androidForm({ message: '日'.repeat(20_000), receiver_ids: receivers });
    expect(biggest.length).toBeGreaterThan(240_000); // Android-encoded: 9 bytes per character
    expect((await call('/send', { body: biggest })).status).toBe(200);
    expect(await Message.countDocuments({ sender_id: alice.user.oid, receiver_id: bob.user.oid })).toBe(1);
    const over = await call('/send', {
      body: androidForm({ message: '日'.repeat(20_001), receiver_ids: JSON.stringify([`id${bob.user.id}`]) }),
    });
    expect(over).toMatchObject({ status: 400, text: 'message too long: at most 20000 characters' });
  });

  it('when a send lists 2,001 receivers then 400 and nothing is stored', async () => {
    const before = await Message.countDocuments({});
    const receivers = Array.from({ length: 2_001 }, () => `num${nextPhone()}`);
    const res = await call('/send', {
      body: androidForm({ message: 'x', receiver_ids: JSON.stringify(receivers) }),
    });
    expect(res).toMatchObject({ status: 400, text: 'too many receivers: at most 2000' });
    expect(await Message.countDocuments({})).toBe(before);
  });

  it('when a user is over the daily message quota then 429 with Retry-After, and nothing more is stored', async () => {
    const q = buildTestApp({ MESSAGES_PER_DAY: '3' });
    const quota = await listen(q.app);
    try {
      const sender = await loggedIn(q.app, {});
      const sendAs = (receivers: string[]) =>
        fetch(`http://127.0.0.1:${quota.port}/send`, {
          method: 'POST',
          headers: { Cookie: sender.cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
          body: androidForm({ message: `q${Math.random()}`, receiver_ids: JSON.stringify(receivers) }),
        });
      expect((await sendAs([`num${nextPhone()}`, `num${nextPhone()}`])).status).toBe(200);
      const refused = await sendAs([`num${nextPhone()}`, `num${nextPhone()}`]);
      expect(refused.status).toBe(429);
      expect(await refused.text()).toBe('daily limit of 3 messages reached; try again after midnight UTC');
      const retryAfter = Number(refused.headers.get('retry-after'));
      const midnight = Math.ceil((Math.floor(Date.now() / 86_400_000) + 1) * 86_400 - Date.now() / 1000);
      expect(retryAfter).toBeGreaterThan(0);
      expect(Math.abs(retryAfter - midnight)).toBeLessThanOrEqual(5);
      expect(await Message.countDocuments({ sender_id: sender.user.oid })).toBe(2);
      // The refused send wrote no hit: the day's hits already put it over.
      const hits = await QuotaHit.find({ user_id: sender.user.oid }).sort({ seq: 1 }).lean();
      expect(hits.map((h) => h.amounts.messages)).toEqual([2]);
    } finally {
      quota.server.closeAllConnections();
      await new Promise((resolve) => quota.server.close(resolve));
    }
  });
});
