import { buildTestApp, type TestApp } from '../helpers/app';
import { useTestDatabase } from '../helpers/db';
import { seedTestCatalog, storeMessage, testClock } from '../helpers/messageFactories';
import { loggedIn, type Client } from '../helpers/session';
import { receivedItemShape } from '../../src/shapes';

useTestDatabase();
const clock = testClock(Date.UTC(2025, 2, 4, 12, 0, 0));
let t: TestApp;
let sam: Client; // a sender with a phone and Facebook fields
let eve: Client; // a sender without a phone
let rita: Client; // the receiver
const ago = (s: number) => new Date(clock.now().getTime() - s * 1000);
const later = (s: number) => new Date(clock.now().getTime() + s * 1000);
const KEYS = Object.keys(receivedItemShape.shape);

beforeAll(async () => {
  await seedTestCatalog();
  t = buildTestApp({}, { now: clock.now });
  sam = await loggedIn(t.app, { phone: '0033611111111', facebook_id: 'fb1', facebook_name: 'Sam Fb' });
  eve = await loggedIn(t.app, {});
  rita = await loggedIn(t.app, { phone: '0033622222222' });
});

describe('GET /receive_all', () => {
  let inWindow: string;
  beforeAll(async () => {
    inWindow = String(
      await storeMessage({
        sender: sam.user.oid,
        receiver: rita.user.oid,
        created: ago(7200),
        delivery: ago(60),
        message: 'in window',
      }),
    );
    await storeMessage({
      sender: eve.user.oid,
      receiver: rita.user.oid,
      created: ago(7200),
      delivery: ago(30),
      message: 'from eve',
    });
    await storeMessage({
      sender: sam.user.oid,
      receiver: rita.user.oid,
      delivery: ago(5000),
      message: 'before ts',
    });
    await storeMessage({
      sender: sam.user.oid,
      receiver: rita.user.oid,
      delivery: later(60),
      message: 'future',
    });
    await storeMessage({
      sender: sam.user.oid,
      receiver: rita.user.oid,
      delivery: ago(10),
      message: 'blocked',
      blocked: true,
    });
    await storeMessage({
      sender: sam.user.oid,
      receiver: eve.user.oid,
      delivery: ago(10),
      message: 'for someone else',
    });
  });

  it('when ts is Java float text then the window [ts, now + look-ahead) is returned, each item with every key as a string', async () => {
    const ts = (clock.now().getTime() / 1000 - 3600).toExponential().replace('e+', 'E'); // Java: "1.7410896E9"
    const res = await rita.get(`/receive_all?ts=${ts}`).expect(200);
    expect(res.headers['content-type']).toMatch(/json/);
    expect(res.text).toMatch(/^\{"ts": \d+\.\d+, "new_messages": \[/);
    expect(res.body.ts).toBe((clock.now().getTime() + t.config.CLOCK_SKEW_ALLOWANCE_MS) / 1000);
    const items = res.body.new_messages as Record<string, unknown>[];
    expect(items.map((i) => i.message)).toEqual(['in window', 'from eve']);
    for (const item of items) {
      expect(Object.keys(item)).toEqual(KEYS);
      for (const v of Object.values(item)) expect(typeof v).toBe('string');
    }
    expect(items[0]).toMatchObject({
      message_id: inWindow,
      received_at: `${ago(60).getTime() / 1000}.0`,
      created_at: `${ago(7200).getTime() / 1000}.0`,
      from_id: sam.user.id,
      from_email: sam.user.email,
      from_numero: '0033611111111',
      from_facebook_id: 'fb1',
      from_facebook_name: 'Sam Fb',
      photo_id: '',
      version: '1.0',
    });
    expect(items[1]).toMatchObject({
      from_numero: eve.user.email,
      from_facebook_id: '',
      from_facebook_name: '',
    });
  });

  it.each(['1412932000', '1418000000.123456', '1.418000000123E9'])(
    'when ts is %s then it is understood',
    async (ts) => {
      const res = await rita.get(`/receive_all?ts=${ts}`).expect(200);
      expect(res.body.new_messages.length).toBeGreaterThanOrEqual(3);
    },
  );

  it('when ts is exactly a delivery time then that message is included (bounds are inclusive)', async () => {
    const res = await rita.get(`/receive_all?ts=${ago(30).getTime() / 1000}`).expect(200);
    expect(res.body.new_messages.map((i: { message: string }) => i.message)).toEqual(['from eve']);
  });

  it.each(['', 'abc', '12abc', 'NaN'])('when ts is %p then 400', async (ts) => {
    await rita.get(`/receive_all?ts=${ts}`).expect(400);
  });

  it('when ts is missing then 400', async () => {
    await rita.get('/receive_all').expect(400);
  });

  it('when nothing is in the window then new_messages is an empty list', async () => {
    const res = await rita.get(`/receive_all?ts=${clock.now().getTime() / 1000 + 1}`).expect(200);
    expect(res.body).toEqual({
      ts: (clock.now().getTime() + t.config.CLOCK_SKEW_ALLOWANCE_MS) / 1000,
      new_messages: [],
    });
  });
});

describe('GET /get_send_choices', () => {
  it('when an English user asks then active choices come sorted by order_id, all strings, with the Android keys', async () => {
    const res = await sam.get('/get_send_choices').expect(200);
    const list = res.body as Record<string, unknown>[];
    expect(list.map((c) => c.order_id)).toEqual(['1', '2', '3', '4', '5', '6', '7']);
    for (const c of list) for (const v of Object.values(c)) expect(typeof v).toBe('string');
    expect(list.map((c) => c.key)).toEqual(
      expect.arrayContaining(['53b95c02edb08c3d6885041f', '53b95c02edb08c3d68850420']),
    );
    expect(list[0]).toEqual({ order_id: '1', key: '53b95c02edb08c3d6885041a', send_label: 'In one hour' });
  });

  it('when a French user asks then the labels are French', async () => {
    const fr = await loggedIn(t.app, { country_code: 'fr' });
    const res = await fr.get('/get_send_choices').expect(200);
    expect(res.body[0].send_label).toBe('Dans une heure');
  });
});

describe('GET /get_number_of_future_messages', () => {
  it('when messages are pending, blocked, delivered, send-now or for others then only future pending ones count', async () => {
    const me = await loggedIn(t.app, {});
    const other = await loggedIn(t.app, {});
    await storeMessage({ sender: sam.user.oid, receiver: me.user.oid, delivery: later(3600) });
    await storeMessage({ sender: sam.user.oid, receiver: me.user.oid, delivery: later(7200) });
    await storeMessage({ sender: sam.user.oid, receiver: me.user.oid, delivery: later(3600), blocked: true });
    await storeMessage({
      sender: sam.user.oid,
      receiver: me.user.oid,
      delivery: ago(10),
    });
    await storeMessage({ sender: sam.user.oid, receiver: me.user.oid, send_now: true });
    await storeMessage({ sender: sam.user.oid, receiver: other.user.oid, delivery: later(3600) });
    const res = await me.get('/get_number_of_future_messages').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toBe('2');
  });
});
