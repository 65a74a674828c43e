import { Message, PhoneOwner } from '../../src/models';
import { claimBottles } from '../../src/services/messages/bottles';
import { buildTestApp, type TestApp } from '../helpers/app';
import { useTestDatabase } from '../helpers/db';
import { iosJson, seedTestCatalog, sendAndroid, sendIos, testClock } from '../helpers/messageFactories';
import { clientFor, createTestUser, loggedIn, sessionCookie, type Client } from '../helpers/session';
import { countQueued, findQueued } from '../helpers/queues';
import { messageWith } from '../helpers/encrypted';

useTestDatabase();
const clock = testClock(Date.UTC(2025, 5, 1, 9, 0, 0));
let t: TestApp;
/** When a bottle claimed now is due: a settle time ahead (WRITE_SETTLE_MS). */
const settled = () => new Date(clock.now().getTime() + t.config.WRITE_SETTLE_MS);
let sender: Client;
const HOUR_KEY = '53b95c02edb08c3d6885041a';
const WEEK_KEY = '53b95c02edb08c3d6885041c';

beforeAll(async () => {
  await seedTestCatalog();
  t = buildTestApp({}, { now: clock.now });
  sender = await loggedIn(t.app, { phone: '0033600000001' });
});

const sendTo = (phone: string, message: string, key: string) =>
  sendIos(sender.post('/send'), {
    message,
    receiver_ids: iosJson([`num${phone}`]),
    delivery_option: iosJson({ type: key }),
  }).expect(200);

/** What define_first_phone_number does once the number is the user's. */
async function register(phone: string): Promise<Client> {
  const user = await createTestUser({ phone });
  await claimBottles(user.oid, phone, clock.now(), t.config.WRITE_SETTLE_MS);
  return clientFor(t.app, user, await sessionCookie(user.id));
}

describe('bottles', () => {
  it('when a number without account is sent to and later registered then its bottles become the new user’s', async () => {
    const phone = '0033611000001';
    await sendTo(phone, 'due bottle', HOUR_KEY);
    await sendTo(phone, 'future bottle', WEEK_KEY);
    await sendTo('0033611000099', 'someone else', HOUR_KEY);
    const sentAt = clock.now();
    expect(await Message.countDocuments({ receiver_phone: phone, receiver_id: null })).toBe(2);
    expect(await countQueued({})).toBe(0);

    clock.advance(2 * 86400); // the hour bottle is now overdue, the week one is not
    const owner = await register(phone);

    const due = await messageWith({ message: 'due bottle' });
    const future = await messageWith({ message: 'future bottle' });
    expect(due).toMatchObject({ receiver_id: owner.user.oid, delivery_time: settled() });
    expect(future).toMatchObject({
      receiver_id: owner.user.oid,
      delivery_time: new Date(sentAt.getTime() + 7 * 86400_000),
    });
    expect((await messageWith({ message: 'someone else' }))!.receiver_id).toBeNull();
    const jobs = (await findQueued({ user_id: owner.user.oid })).sort((a, b) => +a.due_at - +b.due_at);
    expect(jobs.map((j) => [String(j.message_id), j.due_at])).toEqual([
      [String(due!._id), settled()],
      [String(future!._id), future!.delivery_time],
    ]);

    // The app's next fetch (its last ts is before the registration) sees the due bottle.
    const since = clock.now().getTime() / 1000 - 60;
    clock.advance(t.config.WRITE_SETTLE_MS / 1000);
    const res = await owner.get(`/receive_all?ts=${since}`).expect(200);
    expect(res.body.new_messages.map((m: { message: string }) => m.message)).toEqual(['due bottle']);
    // Only the future bottle is still to come: the due one is delivered (pending is the time).
    expect((await owner.get('/get_number_of_future_messages').expect(200)).text).toBe('1');
  });

  it('when a bottle is sent to a dotted number then the account defining the clean number gets it', async () => {
    await sendAndroid(sender.post('/send'), {
      message: 'dotted bottle',
      receiver_ids: JSON.stringify(['num00336.11.00.00.31']),
      delivery_option: JSON.stringify({ type: WEEK_KEY }),
    }).expect(200);
    expect(await messageWith({ message: 'dotted bottle' })).toMatchObject({
      receiver_id: null,
      receiver_phone: '0033611000031',
    });
    const owner = await loggedIn(t.app);
    await sendIos(owner.post('/define_first_phone_number'), {
      phone_number: '0033611000031',
      os: 'ios',
      reg_id: '',
    }).expect(200);
    const claimed = await messageWith({ message: 'dotted bottle' });
    expect(claimed!.receiver_id).toEqual(owner.user.oid);
    expect(await countQueued({ message_id: claimed!._id, user_id: owner.user.oid })).toBe(1);
  });

  it('when bottles were claimed then claiming again finds none and changes nothing', async () => {
    const phone = '0033611000002';
    await sendTo(phone, 'once', WEEK_KEY);
    const owner = await register(phone);
    const jobs = await countQueued({ user_id: owner.user.oid });
    expect(await claimBottles(owner.user.oid, phone, clock.now(), t.config.WRITE_SETTLE_MS)).toBe(0);
    expect(await countQueued({ user_id: owner.user.oid })).toBe(jobs);
  });

  it('when a number has an account then later sends to it go straight to the account', async () => {
    const phone = '0033611000003';
    const owner = await register(phone);
    expect(await PhoneOwner.exists({ _id: phone })).toBeTruthy();
    await sendTo(phone, 'direct', WEEK_KEY);
    expect(await messageWith({ message: 'direct' })).toMatchObject({
      receiver_id: owner.user.oid,
      receiver_phone: phone,
    });
  });

  it('when the number is registered through POST /define_first_phone_number then its bottles are claimed', async () => {
    const phone = '0033611000004';
    await sendTo(phone, 'via the route', HOUR_KEY);
    clock.advance(3 * 3600);
    const newcomer = await loggedIn(t.app, {});
    await sendIos(newcomer.post('/define_first_phone_number'), {
      phone_number: phone,
      os: 'ios',
      reg_id: 'a'.repeat(64),
    }).expect(200);
    const m = await messageWith({ message: 'via the route' });
    expect(m).toMatchObject({ receiver_id: newcomer.user.oid, delivery_time: settled() });
    expect(await countQueued({ message_id: m!._id, due_at: settled() })).toBe(1);
    const since = clock.now().getTime() / 1000 - 1;
    clock.advance(t.config.WRITE_SETTLE_MS / 1000);
    const res = await newcomer.get(`/receive_all?ts=${since}`).expect(200);
    expect(res.body.new_messages.map((i: { message: string }) => i.message)).toEqual(['via the route']);
  });
});
