/**
 * Numbers are claimed without proof, so their damage is bounded: only an account's first
 * number claims bottles, and number changes are capped per 30 days (429 with Retry-After).
 */
import { PhoneHistory, PhoneOwner, User } from '../../src/models';
import { PHONE_CHANGE_WINDOW_MS } from '../../src/services/accounts/phoneChanges';
import { buildTestApp, type TestApp } from '../helpers/app';
import { useTestDatabase } from '../helpers/db';
import { seedTestCatalog, sendAndroid, sendIos, testClock } from '../helpers/messageFactories';
import { loggedIn, type Client } from '../helpers/session';
import { messageWith } from '../helpers/encrypted';

useTestDatabase();
const clock = testClock(Date.UTC(2025, 5, 1, 9, 0, 0));
const WEEK_KEY = '53b95c02edb08c3d6885041c';
let t: TestApp;
let sender: Client;
let seq = 0;
const nextPhone = () => `0033614${String(++seq).padStart(6, '0')}`;

beforeAll(async () => {
  await seedTestCatalog();
  t = buildTestApp({}, { now: clock.now });
  sender = await loggedIn(t.app, { phone: nextPhone() });
});

const define = (c: Client, phone: string) =>
  sendAndroid(c.post('/define_first_phone_number'), { phone_number: phone, os: 'android', reg_id: 'tok' });

const bottleTo = async (phone: string, text: string) => {
  await sendIos(sender.post('/send'), {
    message: text,
    receiver_ids: `["num${phone}"]`,
    delivery_option: `{"type" : "${WEEK_KEY}"}`,
  }).expect(200);
  clock.advance(300); // out of the send retry window
};

const receiverOf = async (text: string) => (await messageWith({ message: text }))!.receiver_id;
const changeSlots = (c: Client) => PhoneHistory.countDocuments({ user_id: c.user.oid, _id: /:change:/ });

describe('number changes per 30 days', () => {
  it('when an account changes its number twice then the third change is 429 with Retry-After and nothing changes', async () => {
    const u = await loggedIn(t.app);
    const [first, second, third, fourth] = [nextPhone(), nextPhone(), nextPhone(), nextPhone()];
    await define(u, first).expect(200);
    await define(u, second).expect(200);
    clock.advance(86400);
    await define(u, third).expect(200);
    const res = await define(u, fourth);
    expect(res.status).toBe(429);
    expect(res.text).toBe('too many phone number changes, try again later');
    // The oldest change (a day ago) leaves the window in 29 days.
    expect(Number(res.headers['retry-after'])).toBe(29 * 86400);
    expect(res.headers['ratelimit-policy']).toBe('"phone:changes";q=2;w=2592000');
    expect((await User.findById(u.user.id).lean())!.device!.phone).toBe(third);
    expect(await PhoneOwner.exists({ _id: fourth })).toBeNull();
    expect(await changeSlots(u)).toBe(2);
  });

  it('when 30 days have passed since a change then one more change is allowed', async () => {
    const u = await loggedIn(t.app);
    await define(u, nextPhone()).expect(200);
    await define(u, nextPhone()).expect(200);
    await define(u, nextPhone()).expect(200);
    await define(u, nextPhone()).expect(429);
    clock.advance(PHONE_CHANGE_WINDOW_MS / 1000 + 1);
    const later = nextPhone();
    await define(u, later).expect(200);
    await define(u, nextPhone()).expect(200);
    await define(u, nextPhone()).expect(429);
    expect(await changeSlots(u)).toBe(2);
  });

  it('when the app defines the same number again (reinstall, new token) then it is never a change', async () => {
    const u = await loggedIn(t.app);
    const phone = nextPhone();
    for (let i = 0; i < 5; i++) await define(u, phone).expect(200);
    await sendIos(u.post('/define_first_phone_number'), {
      phone_number: `${phone.slice(0, 5)}.${phone.slice(5)}`,
      os: 'ios',
      reg_id: 'other',
    }).expect(200);
    expect(await changeSlots(u)).toBe(0);
    expect((await User.findById(u.user.id).lean())!.device).toMatchObject({
      phone,
      os: 'ios',
      reg_id: 'other',
    });
  });

  it('when the app sends its first number twice at once (a retry) then both succeed and neither is a change', async () => {
    const u = await loggedIn(t.app);
    const phone = nextPhone();
    const answers = await Promise.all([define(u, phone), define(u, phone), define(u, phone)]);
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(await changeSlots(u)).toBe(0);
  });

  it('when a change is refused because the number is taken (406) then it does not use up a change', async () => {
    const owner = await loggedIn(t.app, { phone: nextPhone() });
    const u = await loggedIn(t.app);
    await define(u, nextPhone()).expect(200);
    await define(u, owner.user.phone!).expect(406);
    await define(u, owner.user.phone!).expect(406);
    expect(await changeSlots(u)).toBe(0);
    await define(u, nextPhone()).expect(200);
    await define(u, nextPhone()).expect(200);
    expect(await changeSlots(u)).toBe(2);
  });

  it('when a first number is refused because it is taken then the next one is still the first', async () => {
    const owner = await loggedIn(t.app, { phone: nextPhone() });
    const u = await loggedIn(t.app);
    const mine = nextPhone();
    await bottleTo(mine, 'for my real first number');
    await define(u, owner.user.phone!).expect(406);
    await define(u, mine).expect(200);
    expect(await changeSlots(u)).toBe(0);
    expect(await receiverOf('for my real first number')).toEqual(u.user.oid);
  });

  it('when PHONE_CHANGES_PER_30_DAYS is 0 then a first number works and any change is 429 for a whole window', async () => {
    const strict = buildTestApp({ PHONE_CHANGES_PER_30_DAYS: '0' }, { now: clock.now });
    const u = await loggedIn(strict.app);
    const phone = nextPhone();
    await define(u, phone).expect(200);
    await define(u, phone).expect(200);
    const res = await define(u, nextPhone());
    expect(res.status).toBe(429);
    expect(Number(res.headers['retry-after'])).toBe(PHONE_CHANGE_WINDOW_MS / 1000);
  });

  it('when an account from before the change limits (a device, no history) changes number then it counts', async () => {
    const u = await loggedIn(t.app, { phone: nextPhone() });
    await define(u, nextPhone()).expect(200);
    await define(u, nextPhone()).expect(200);
    await define(u, nextPhone()).expect(429);
  });

  it('when one account fires many changes at once then exactly the cap succeed', async () => {
    const u = await loggedIn(t.app);
    await define(u, nextPhone()).expect(200);
    const answers = await Promise.all(Array.from({ length: 8 }, () => define(u, nextPhone())));
    expect(answers.map((r) => r.status).sort()).toEqual([200, 200, 429, 429, 429, 429, 429, 429]);
    expect(await changeSlots(u)).toBe(2);
  });
});

describe('bottles go only to an account’s first number', () => {
  it('when an account changes to a number that has bottles then they stay bottles', async () => {
    const u = await loggedIn(t.app);
    const [first, other] = [nextPhone(), nextPhone()];
    await bottleTo(first, 'to the first number');
    await bottleTo(other, 'to the other number');
    await define(u, first).expect(200);
    await define(u, other).expect(200);
    expect(await receiverOf('to the first number')).toEqual(u.user.oid);
    expect(await receiverOf('to the other number')).toBeNull();
    // Sends to the number it now owns still reach it: only bottles are withheld.
    await bottleTo(other, 'after the change');
    expect(await receiverOf('after the change')).toEqual(u.user.oid);
  });

  it('when an account returns to its first number then the bottles sent to it meanwhile are its own', async () => {
    const u = await loggedIn(t.app);
    const [first, other] = [nextPhone(), nextPhone()];
    await define(u, first).expect(200);
    await define(u, other).expect(200);
    await bottleTo(first, 'while away from the first number');
    expect(await receiverOf('while away from the first number')).toBeNull();
    await define(u, first).expect(200);
    expect(await receiverOf('while away from the first number')).toEqual(u.user.oid);
  });

  it('when an account from before the change limits moves to a number with bottles then they stay bottles', async () => {
    const u = await loggedIn(t.app, { phone: nextPhone() });
    const other = nextPhone();
    await bottleTo(other, 'to a pre-existing account’s new number');
    await define(u, other).expect(200);
    expect(await receiverOf('to a pre-existing account’s new number')).toBeNull();
  });
});

describe('logs of number definitions', () => {
  it('when a first number is defined and later changed then each is logged with the user id and two digits only', async () => {
    const u = await loggedIn(t.app);
    const [first, second] = [nextPhone(), nextPhone()];
    const from = t.logLines.length;
    await define(u, first).expect(200);
    await define(u, second).expect(200);
    const lines = t.logLines.slice(from).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.find((l) => l.msg === 'first phone number defined')).toMatchObject({
      userId: u.user.id,
      to: `…${first.slice(-2)}`,
      bottles: 0,
    });
    expect(lines.find((l) => l.msg === 'phone number changed')).toMatchObject({
      userId: u.user.id,
      from: `…${first.slice(-2)}`,
      to: `…${second.slice(-2)}`,
    });
    const text = t.logLines.slice(from).join('\n');
    for (const phone of [first, second]) {
      expect(text).not.toContain(phone);
      expect(text).not.toContain(phone.slice(4)); // not the national part either
    }
  });
});
