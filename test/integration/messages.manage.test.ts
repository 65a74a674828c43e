import request from 'supertest';
import { Message, User } from '../../src/models';
import { RESEND_FRESH_DELAY } from '../../src/domain/resend';
import { buildTestApp, type TestApp } from '../helpers/app';
import { useTestDatabase } from '../helpers/db';
import {
  oid,
  scriptedRandom,
  seedTestCatalog,
  sendAndroid,
  sendIos,
  storeMessage,
  testClock,
} from '../helpers/messageFactories';
import { loggedIn, type Client } from '../helpers/session';
import { countQueued, findQueued } from '../helpers/queues';

useTestDatabase();
const clock = testClock(Date.UTC(2025, 2, 4, 12, 0, 0));
let random: () => number = Math.random;
let t: TestApp;
let sam: Client; // a sender with a phone and Facebook fields
let eve: Client; // a sender without a phone
let rita: Client; // the receiver
const ago = (s: number) => new Date(clock.now().getTime() - s * 1000);
const later = (s: number) => new Date(clock.now().getTime() + s * 1000);

beforeAll(async () => {
  await seedTestCatalog();
  t = buildTestApp({ FOUNDER_PHONES: '0033699999999' }, { now: clock.now, random: () => random() });
  sam = await loggedIn(t.app, { phone: '0033611111111', facebook_id: 'fb1', facebook_name: 'Sam Fb' });
  eve = await loggedIn(t.app, {});
  rita = await loggedIn(t.app, { phone: '0033622222222' });
});

beforeEach(() => {
  random = Math.random;
});

describe('POST /resend', () => {
  let msg: string;
  beforeEach(async () => {
    msg = String(
      await storeMessage({
        sender: sam.user.oid,
        receiver: rita.user.oid,
        created: ago(86400),
        delivery: ago(3600),
        message: 'again',
      }),
    );
    await Message.updateOne({ _id: msg }, { $set: { push: { outcome: 'sent', at: ago(3600) } } });
  });

  it('when the receiver resends then the delivery moves by the resend rule, pending again, with a new push', async () => {
    random = scriptedRandom([0, 0.9999999999, 0]); // fresh delay: min; spread: +25 %; colour: first
    await sendAndroid(rita.post('/resend'), { message_id: msg }).expect(200);
    const m = await Message.findById(msg).lean();
    const added = Math.floor(1.25 * RESEND_FRESH_DELAY.min);
    expect(m!.delivery_time).toEqual(new Date(ago(3600).getTime() + added * 1000));
    expect(m).toMatchObject({
      blocked: false,
      send_now: false,
      receive_color: 'ffdc1a',
      receive_label: 'Sent a few months ago',
    });
    expect(await findQueued({ message_id: m!._id })).toEqual([
      expect.objectContaining({
        kind: 'message',
        user_id: rita.user.oid,
        due_at: m!.delivery_time,
        label: 'Sent a few months ago',
      }),
    ]);
    const count = await rita.get('/get_number_of_future_messages').expect(200);
    expect(Number(count.text)).toBeGreaterThanOrEqual(1);
  });

  it('when a stranger (iOS) or the sender (Android) resends then an empty 200 and the message is unchanged', async () => {
    const before = await Message.findById(msg).lean();
    const stranger = await sendIos(eve.post('/resend'), { message_id: msg }).expect(200);
    const sender = await sendAndroid(sam.post('/resend'), { message_id: msg }).expect(200);
    expect([stranger.text, sender.text]).toEqual(['', '']);
    expect(await Message.findById(msg).lean()).toEqual(before);
    expect(await countQueued({ message_id: oid(msg) })).toBe(0);
  });

  it('when the receiver resends a blocked message then an empty 200 and nothing changes', async () => {
    await Message.updateOne({ _id: msg }, { $set: { blocked: true } });
    const before = await Message.findById(msg).lean();
    const res = await sendIos(rita.post('/resend'), { message_id: msg }).expect(200);
    expect(res.text).toBe('');
    expect(await Message.findById(msg).lean()).toEqual(before);
    expect(await countQueued({ message_id: oid(msg) })).toBe(0);
  });

  it('when the id is unknown then an empty 200 and nothing stored; malformed or missing then 400', async () => {
    const unknown = '5f0000000000000000000999';
    const res = await sendIos(rita.post('/resend'), { message_id: unknown }).expect(200);
    expect(res.text).toBe('');
    expect(await countQueued({ message_id: oid(unknown) })).toBe(0);
    expect(await Message.exists({ _id: oid(unknown) })).toBeNull();
    await sendIos(rita.post('/resend'), { message_id: 'xyz' }).expect(400);
    await sendIos(rita.post('/resend'), {}).expect(400);
  });
});

describe('GET /get_my_status', () => {
  const sendFuture = (from: Client, to: Client, n: number) =>
    sendAndroid(from.post('/send'), {
      message: `status ${n}`,
      receiver_ids: JSON.stringify([`id${to.user.id}`]),
      delivery_option: JSON.stringify({ type: '53b95c02edb08c3d6885041c' }),
    }).expect(200);

  it('when a user sends future messages then the status rises, and it never goes down once they are delivered', async () => {
    const u = await loggedIn(t.app, { phone: '0033633333333' });
    expect((await u.get('/get_my_status').expect(200)).text).toBe('Newbie');
    for (let i = 0; i < 3; i++) await sendFuture(u, rita, i);
    await sendAndroid(u.post('/send'), {
      message: 'now',
      receiver_ids: JSON.stringify([`id${rita.user.id}`]),
    }).expect(200);
    const res = await u.get('/get_my_status').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toBe('Explorer');
    expect((await User.findById(u.user.oid).lean())!.status_rank).toBe(1);
    // All delivered: their times have passed.
    await Message.updateMany({ sender_id: u.user.oid }, { $set: { delivery_time: new Date(0) } });
    expect((await u.get('/get_my_status').expect(200)).text).toBe('Explorer');
  });

  it('when the user is French then the status is French', async () => {
    const u = await loggedIn(t.app, { country_code: 'fr', status_rank: 0 });
    expect((await u.get('/get_my_status').expect(200)).text).toBe('Débutant');
    await User.updateOne({ _id: u.user.oid }, { $set: { status_rank: 1 } });
    expect((await u.get('/get_my_status').expect(200)).text).toBe('Explorateur');
  });

  it('when the phone is a founder phone then the status is Founder', async () => {
    const u = await loggedIn(t.app, { phone: '0033699999999' });
    expect((await u.get('/get_my_status').expect(200)).text).toBe('Founder');
  });
});

describe('POST /block_contacts', () => {
  it('when a contact is blocked then pending messages both ways are hidden, not counted and unqueued', async () => {
    const me = await loggedIn(t.app, {});
    const pest = await loggedIn(t.app, {});
    const friend = await loggedIn(t.app, {});
    const send = (
      from: Client,
      to: Client,
      message: string,
      option = '{"type":"53b95c02edb08c3d6885041a"}',
    ) =>
      sendAndroid(from.post('/send'), {
        message,
        receiver_ids: JSON.stringify([`id${to.user.id}`]),
        delivery_option: option,
      }).expect(200);
    await send(pest, me, 'pest to me');
    await send(me, pest, 'me to pest');
    await send(friend, me, 'friend to me');
    await send(pest, me, 'pest now', '');
    clock.advance(t.config.WRITE_SETTLE_MS / 1000); // 'pest now' is due: delivered
    const delivered = await storeMessage({
      sender: pest.user.oid,
      receiver: me.user.oid,
      delivery: ago(5),
      message: 'old from pest',
    });
    expect((await me.get('/get_number_of_future_messages').expect(200)).text).toBe('2');

    await sendIos(me.post('/block_contacts'), { contacts_to_block: `[\n  "id${pest.user.id}"\n]` }).expect(
      200,
    );

    // Pending is the delivery time: a send-now message is delivered a settle time after it
    // was sent, so blocking later does not take it back from the receiver's timeline.
    // Texts are encrypted at rest: matched once read.
    const blocked = (await Message.find({ blocked: true }).lean()).filter((m) =>
      ['pest to me', 'me to pest', 'pest now'].includes(m.message),
    );
    expect(blocked.map((m) => m.message).sort()).toEqual(['me to pest', 'pest to me']);
    expect(await countQueued({ message_id: { $in: blocked.map((m) => m._id) } })).toBe(0);
    expect((await Message.findById(delivered).lean())!.blocked).toBe(false);
    expect((await me.get('/get_number_of_future_messages').expect(200)).text).toBe('1');
    clock.advance(7200);
    const res = await me.get(`/receive_all?ts=${ago(86400).getTime() / 1000}`).expect(200);
    expect(res.body.new_messages.map((i: { message: string }) => i.message).sort()).toEqual([
      'friend to me',
      'old from pest',
      'pest now',
    ]);
  });

  it('when ids come without the id prefix then they are blocked too', async () => {
    const me = await loggedIn(t.app, {});
    const pest = await loggedIn(t.app, {});
    const m = await storeMessage({ sender: pest.user.oid, receiver: me.user.oid, delivery: later(3600) });
    await sendAndroid(me.post('/block_contacts'), {
      contacts_to_block: JSON.stringify([pest.user.id]),
    }).expect(200);
    expect((await Message.findById(m).lean())!.blocked).toBe(true);
  });

  it.each([undefined, '', 'x', '["nope"]', '{"id":"a"}'])(
    'when contacts_to_block is %p then 400 and nothing changes',
    async (value) => {
      const me = await loggedIn(t.app, {});
      const m = await storeMessage({ sender: sam.user.oid, receiver: me.user.oid, delivery: later(3600) });
      await sendAndroid(
        me.post('/block_contacts'),
        value === undefined ? {} : { contacts_to_block: value },
      ).expect(400);
      expect((await Message.findById(m).lean())!.blocked).toBe(false);
    },
  );

  it('when the list is empty then 200 and nothing changes', async () => {
    await sendAndroid(rita.post('/block_contacts'), { contacts_to_block: '[]' }).expect(200);
  });

  it('when not logged in then 401', async () => {
    await request(t.app).post('/block_contacts').send('contacts_to_block=[]').expect(401);
  });
});
