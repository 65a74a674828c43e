import request from 'supertest';
import { Message, SendDedup } from '../../src/models';
import { buildTestApp, type TestApp } from '../helpers/app';
import { useTestDatabase } from '../helpers/db';
import { iosJson, seedTestCatalog, sendAndroid, sendIos, testClock } from '../helpers/messageFactories';
import { loggedIn, type Client } from '../helpers/session';
import { countQueued } from '../helpers/queues';
import { countMessagesWith } from '../helpers/encrypted';

useTestDatabase();
const clock = testClock();
let t: TestApp;
let alice: Client; // sender, has a phone
let bob: Client; // English receiver with a device
let chloe: Client; // French receiver with a device
let phoneCounter = 0;

const WEEK_KEY = '53b95c02edb08c3d6885041c';
const SURPRISE_KEY = '53b95c02edb08c3d68850420';
const nextPhone = () => `00336${String(10_000_000 + ++phoneCounter)}`;

async function counts() {
  return {
    messages: await Message.countDocuments({}),
    jobs: await countQueued({}),
    claims: await SendDedup.countDocuments({}),
  };
}

beforeAll(async () => {
  await seedTestCatalog();
  t = buildTestApp({}, { now: clock.now });
  alice = await loggedIn(t.app, { phone: nextPhone() });
  bob = await loggedIn(t.app, { phone: nextPhone() });
  chloe = await loggedIn(t.app, { phone: nextPhone(), country_code: 'fr' });
});

beforeEach(() => {
  clock.advance(3600); // every test far from the previous one's retry window
});

describe('POST /send: malformed input', () => {
  const valid = () => ({
    message: 'x',
    receiver_ids: JSON.stringify([`id${bob.user.id}`]),
    delivery_option: JSON.stringify({ type: WEEK_KEY }),
  });

  it.each([
    ['no message', { message: undefined }],
    ['no receiver_ids', { receiver_ids: undefined }],
    ['receiver_ids not JSON', { receiver_ids: '[id123' }],
    ['receiver_ids not a list', { receiver_ids: '{"a":"b"}' }],
    ['an empty receiver list', { receiver_ids: '[]' }],
    ['a malformed receiver', { receiver_ids: '["bob"]' }],
    ['an unknown user id', { receiver_ids: JSON.stringify(['id5f0000000000000000000999']) }],
    [
      'an unknown id among valid ones',
      { receiver_ids: JSON.stringify(['num0033600000001', 'id5f0000000000000000000999']) },
    ],
    ['delivery_option not JSON', { delivery_option: '{type:' }],
    ['an unknown send-choice key', { delivery_option: '{"type":"5f0000000000000000000999"}' }],
    ['an unknown delivery type', { delivery_option: '{"type":"later"}' }],
    ['a calendar without a time', { delivery_option: '{"type":"calendar","parameters":""}' }],
    ['a calendar with text', { delivery_option: '{"type":"calendar","parameters":"tomorrow"}' }],
    ['nothing to send', { message: '', photo_id: '' }],
  ])('when the send has %s then 400 with a reason and nothing is stored', async (_name, change) => {
    const before = await counts();
    const fields = Object.fromEntries(
      Object.entries({ ...valid(), ...change }).filter(([, v]) => v !== undefined),
    ) as Record<string, string>;
    const res = await sendAndroid(alice.post('/send'), fields);
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/\w/);
    expect(await counts()).toEqual(before);
  });
});

describe('POST /send: retries', () => {
  const fields = (message: string) => ({
    message,
    receiver_ids: iosJson([`id${bob.user.id}`, `num${chloe.user.phone}`]),
    delivery_option: iosJson({ type: SURPRISE_KEY }),
  });
  const stored = (message: string) => countMessagesWith({ message });

  it('when the same send is repeated within the window then one set of messages is stored', async () => {
    await sendIos(alice.post('/send'), fields('retry-seq')).expect(200);
    clock.advance(30);
    await sendIos(alice.post('/send'), fields('retry-seq')).expect(200);
    clock.advance(89);
    await sendIos(alice.post('/send'), fields('retry-seq')).expect(200);
    expect(await stored('retry-seq')).toBe(2);
    expect(
      await countQueued({
        kind: 'message',
        user_id: bob.user.oid,
        created_at: { $gte: new Date(clock.now().getTime() - 200_000) },
      }),
    ).toBe(1);
  });

  it('when the retry falls just across a bucket boundary then it is still recognised', async () => {
    const w = 120_000;
    clock.set((Math.floor(clock.now().getTime() / w) + 10) * w - 1000); // 1 s before a boundary
    await sendIos(alice.post('/send'), fields('retry-boundary')).expect(200);
    clock.advance(2);
    await sendIos(alice.post('/send'), fields('retry-boundary')).expect(200);
    expect(await stored('retry-boundary')).toBe(2);
  });

  it('when the same send comes again after twice the window then it is a new send', async () => {
    await sendIos(alice.post('/send'), fields('again-later')).expect(200);
    clock.advance(240);
    await sendIos(alice.post('/send'), fields('again-later')).expect(200);
    expect(await stored('again-later')).toBe(4);
  });

  it('when another user sends the same content then it is not a retry', async () => {
    await sendIos(alice.post('/send'), fields('same-words')).expect(200);
    await sendIos(chloe.post('/send'), fields('same-words')).expect(200);
    expect(await stored('same-words')).toBe(4);
  });

  it('when ten identical requests arrive at the same moment then exactly one set is stored', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, () => sendIos(alice.post('/send'), fields('retry-burst'))),
    );
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(await stored('retry-burst')).toBe(2);
  });

  it('when identical requests race on both sides of a bucket boundary then exactly one set is stored', async () => {
    const w = 120_000;
    const boundary = (Math.floor(clock.now().getTime() / w) + 10) * w;
    const before = testClock(boundary - 500);
    const after = testClock(boundary + 500);
    const apps = [before, after].map((c) => buildTestApp({}, { now: c.now }).app);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        sendIos(
          request(apps[i % 2]!)
            .post('/send')
            .set('Cookie', alice.cookie),
          fields('race-boundary'),
        ),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(await stored('race-boundary')).toBe(2);
  });
});
