/**
 * Sizes and per-user daily quotas of the message and contact routes (README "Limits"),
 * through HTTP with app-shaped bodies, asserting the answer and what is stored: text and
 * media-id sizes, receivers per send, ids per block list, numbers per contact upload,
 * messages / pushes (teasers included) / lookups per UTC day with 429 and Retry-After,
 * quota races, and the cleanup of old quota hits.
 */
import { Types } from 'mongoose';
import { AddressBookEntry, Message, PushJob, QuotaHit, SendDedup, quotaHitId } from '../../src/models';
import { runCleanup } from '../../workers/periodic/cleanup';
import { createLogger } from '../../src/logger';
import { buildTestApp, testConfig, type TestApp } from '../helpers/app';
import { useTestDatabase } from '../helpers/db';
import { iosJson, seedTestCatalog, sendAndroid, sendIos, testClock } from '../helpers/messageFactories';
import { loggedIn, type Client } from '../helpers/session';
import { countMessagesWith } from '../helpers/encrypted';

useTestDatabase();
// 23:00 UTC: Retry-After of a quota is the hour left until midnight.
const clock = testClock(Date.UTC(2025, 5, 10, 23, 0, 0));
const WEEK = JSON.stringify({ type: '53b95c02edb08c3d6885041c' });
let phoneCounter = 0;
const nextPhone = () => `00336${String(30_000_000 + ++phoneCounter)}`;

let t: TestApp;
let alice: Client;
let bob: Client;

const send = (c: Client, receivers: string[], message = `m${Math.random()}`, option = WEEK) =>
  sendAndroid(c.post('/send'), { message, receiver_ids: JSON.stringify(receivers), delivery_option: option });

beforeAll(async () => {
  await seedTestCatalog();
  t = buildTestApp(
    { MAX_RECEIVERS: '3', BLOCK_MAX_CONTACTS: '2', CONTACTS_MAX_NUMBERS: '4' },
    { now: clock.now },
  );
  alice = await loggedIn(t.app, { phone: nextPhone() });
  bob = await loggedIn(t.app, { phone: nextPhone() });
});

beforeEach(() => clock.advance(600)); // out of the previous test's retry window, same UTC day

describe('sizes of a send', () => {
  it('when the text has MESSAGE_MAX_CHARS characters then it is stored; one more is a 400 and nothing is stored', async () => {
    const atLimit = 'é'.repeat(20_000); // 20,000 characters, 180 KB once Android-encoded
    await send(alice, [`id${bob.user.id}`], atLimit).expect(200);
    expect(await countMessagesWith({ sender_id: alice.user.oid, message: atLimit })).toBe(1);

    const before = await Message.countDocuments({});
    const over = await send(alice, [`id${bob.user.id}`], `${atLimit}x`).expect(400);
    expect(over.text).toBe('message too long: at most 20000 characters');
    const ios = await sendIos(alice.post('/send'), {
      message: 'y'.repeat(20_001),
      receiver_ids: iosJson([`id${bob.user.id}`]),
    }).expect(400);
    expect(ios.text).toMatch(/^message too long/);
    expect(await Message.countDocuments({})).toBe(before);
  });

  it.each(['photo_id', 'video_id', 'sound_id'])(
    'when %s has more than 1,024 bytes then 400 with the field named, and nothing is stored',
    async (field) => {
      const before = await Message.countDocuments({});
      const res = await sendAndroid(alice.post('/send'), {
        message: '',
        [field]: 'é'.repeat(513), // 513 characters, 1,026 bytes
        receiver_ids: JSON.stringify([`id${bob.user.id}`]),
      }).expect(400);
      expect(res.text).toBe(`${field} too long: at most 1024 bytes`);
      expect(await Message.countDocuments({})).toBe(before);
      await sendAndroid(alice.post('/send'), {
        message: '',
        [field]: `photos/${'k'.repeat(1017)}`, // 1,024 bytes
        receiver_ids: JSON.stringify([`id${bob.user.id}`]),
      }).expect(200);
    },
  );

  it('when a send lists more than MAX_RECEIVERS receivers then 400 and nothing is stored', async () => {
    const others = [1, 2, 3].map(() => `num${nextPhone()}`);
    const before = { messages: await Message.countDocuments({}), claims: await SendDedup.countDocuments({}) };
    const res = await send(alice, [`id${bob.user.id}`, ...others]).expect(400);
    expect(res.text).toBe('too many receivers: at most 3');
    expect(await Message.countDocuments({})).toBe(before.messages);
    expect(await SendDedup.countDocuments({})).toBe(before.claims);
    await send(alice, [`id${bob.user.id}`, ...others.slice(1)]).expect(200);
    expect(await Message.countDocuments({})).toBe(before.messages + 3);
  });
});

describe('bounded lists', () => {
  it('when contacts_to_block lists more than BLOCK_MAX_CONTACTS ids then 400 and nothing is blocked', async () => {
    await send(bob, [`id${alice.user.id}`]).expect(200);
    const pending = await Message.findOne({ sender_id: bob.user.oid, receiver_id: alice.user.oid }).lean();
    const three = [bob.user.id, new Types.ObjectId().toHexString(), new Types.ObjectId().toHexString()];
    const res = await sendAndroid(alice.post('/block_contacts'), {
      contacts_to_block: JSON.stringify(three),
    }).expect(400);
    expect(res.text).toBe('too many ids in contacts_to_block: at most 2');
    expect((await Message.findById(pending!._id).lean())?.blocked).toBe(false);
    await sendAndroid(alice.post('/block_contacts'), {
      contacts_to_block: JSON.stringify(three.slice(0, 2)),
    }).expect(200);
    expect((await Message.findById(pending!._id).lean())?.blocked).toBe(true);
  });

  it('when /upload_contacts lists more than CONTACTS_MAX_NUMBERS entries then only the first ones are looked up', async () => {
    const list = ['junk', nextPhone(), nextPhone(), nextPhone(), bob.user.phone!];
    const res = await sendAndroid(alice.post('/upload_contacts'), { contacts: JSON.stringify(list) }).expect(
      200,
    );
    expect(JSON.parse(res.text)).toEqual([]); // bob is the fifth entry: not looked at
    const hits = await QuotaHit.find({ user_id: alice.user.oid, 'amounts.lookups': { $gt: 0 } }).lean();
    expect(hits.map((h) => h.amounts.lookups)).toEqual([3]); // the three numbers among the first four
    const found = await sendAndroid(alice.post('/upload_contacts'), {
      contacts: JSON.stringify([bob.user.phone]),
    }).expect(200);
    expect(JSON.parse(found.text)).toHaveLength(1);
  });
});

describe('daily quotas', () => {
  let q: TestApp;
  beforeAll(() => {
    q = buildTestApp(
      { MESSAGES_PER_DAY: '5', PUSHES_PER_DAY: '7', CONTACT_LOOKUPS_PER_DAY: '5' },
      { now: clock.now },
    );
  });

  it('when a send would take a user past MESSAGES_PER_DAY then 429 with Retry-After to UTC midnight, nothing stored, claim freed', async () => {
    clock.set(Date.UTC(2025, 5, 11, 23, 0, 0));
    const sender = await loggedIn(q.app, {});
    const three = [1, 2, 3].map(() => `num${nextPhone()}`);
    await send(sender, three, 'first').expect(200);
    const before = {
      messages: await Message.countDocuments({ sender_id: sender.user.oid }),
      claims: await SendDedup.countDocuments({ sender_id: sender.user.oid }),
    };
    const res = await send(
      sender,
      [1, 2, 3].map(() => `num${nextPhone()}`),
      'second',
    ).expect(429);
    expect(res.text).toBe('daily limit of 5 messages reached; try again after midnight UTC');
    expect(res.headers['retry-after']).toBe('3600');
    expect(res.headers['ratelimit-policy']).toBe('"daily:messages";q=5;w=86400');
    expect(res.headers['ratelimit']).toBe('"daily:messages";r=0;t=3600');
    expect(await Message.countDocuments({ sender_id: sender.user.oid })).toBe(before.messages);
    expect(await SendDedup.countDocuments({ sender_id: sender.user.oid })).toBe(before.claims);
    // The refused send used nothing: two more messages still fit in the day, a third does not.
    await send(sender, [`num${nextPhone()}`, `num${nextPhone()}`], 'third').expect(200);
    await send(sender, [`num${nextPhone()}`], 'fourth').expect(429);
    expect(await Message.countDocuments({ sender_id: sender.user.oid })).toBe(5);
    // The sends the day's hits already put over were refused before writing a hit.
    const hits = await QuotaHit.find({ user_id: sender.user.oid }).sort({ seq: 1 }).lean();
    expect(hits.map((h) => [h.seq, h.amounts.messages, h.total.messages])).toEqual([
      [0, 3, 3],
      [1, 2, 5],
    ]);
    // A new UTC day frees the quota.
    clock.set(Date.UTC(2025, 5, 12, 0, 0, 1));
    await send(sender, [`num${nextPhone()}`], 'next day').expect(200);
  });

  it('when teasers would take a send past PUSHES_PER_DAY then 429; the same receivers without teasers pass', async () => {
    clock.set(Date.UTC(2025, 5, 13, 12, 0, 0));
    const sender = await loggedIn(q.app, { phone: nextPhone() });
    const receivers = await Promise.all([1, 2, 3, 4].map(() => loggedIn(q.app, { phone: nextPhone() })));
    // Every receiver has the sender in their address book: a later message also pushes a teaser now.
    await AddressBookEntry.insertMany(
      receivers.map((r) => ({
        _id: `${r.user.id}:${sender.user.phone}`,
        owner_id: r.user.oid,
        tel: sender.user.phone,
        name: 'Sender',
        uploaded_at: clock.now(),
      })),
    );
    const ids = receivers.map((r) => `id${r.user.id}`);
    // 4 messages + 4 teasers = 8 pushes > 7.
    const res = await send(sender, ids, 'in a week').expect(429);
    expect(res.text).toBe('daily limit of 7 pushes reached; try again after midnight UTC');
    expect(res.headers['retry-after']).toBe(String(12 * 3600));
    expect(await PushJob.countDocuments({ user_id: { $in: receivers.map((r) => r.user.oid) } })).toBe(0);
    // Delivered now: no teaser, 4 pushes.
    await send(sender, ids, 'now', JSON.stringify({ type: 'calendar', parameters: 'now' })).expect(200);
    const jobs = await PushJob.find({ user_id: { $in: receivers.map((r) => r.user.oid) } }).lean();
    expect(jobs.map((j) => j.kind)).toEqual(['message', 'message', 'message', 'message']);
    // 4 used: a send of 1 message with its teaser (2 pushes) fits, a second one (4 more) does not.
    await send(sender, ids.slice(0, 1), 'week 1').expect(200);
    expect(await PushJob.countDocuments({ kind: 'teaser', user_id: receivers[0]!.user.oid })).toBe(1);
    await send(sender, ids.slice(1, 3), 'week 2').expect(429);
  });

  it('when /upload_contacts would take a user past CONTACT_LOOKUPS_PER_DAY then 429 and no number is disclosed', async () => {
    clock.set(Date.UTC(2025, 5, 14, 18, 30, 0));
    const viewer = await loggedIn(q.app, {});
    const member = await loggedIn(q.app, { phone: nextPhone() });
    const upload = (numbers: string[]) =>
      sendAndroid(viewer.post('/upload_contacts'), { contacts: JSON.stringify(numbers) });
    expect(JSON.parse((await upload([nextPhone(), nextPhone(), nextPhone()]).expect(200)).text)).toEqual([]);
    const res = await upload([member.user.phone!, nextPhone(), nextPhone()]).expect(429);
    expect(res.text).toBe('daily limit of 5 contact lookups reached; try again after midnight UTC');
    expect(res.headers['retry-after']).toBe(String(5.5 * 3600));
    expect(res.text).not.toContain(member.user.id);
    const two = JSON.parse(
      (await upload([member.user.phone!, member.user.phone!, nextPhone()]).expect(200)).text,
    );
    expect(two.map((c: { user_id: string }) => c.user_id)).toEqual([member.user.id]); // 2 distinct numbers
  });

  it('when sends race past the quota then the two numbered first are stored and the others refused', async () => {
    clock.set(Date.UTC(2025, 5, 15, 9, 0, 0));
    const sender = await loggedIn(q.app, {});
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        send(sender, [`num${nextPhone()}`, `num${nextPhone()}`], `race ${i}`),
      ),
    );
    // 2 messages each, 5 a day: whatever the interleaving, hits 0 and 1 fit and 2 to 5 do not.
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 429, 429, 429, 429]);
    expect(await Message.countDocuments({ sender_id: sender.user.oid })).toBe(4);
    // The chain holds the two admitted sends; the refused ones wrote nothing.
    const hits = await QuotaHit.find({ user_id: sender.user.oid }).sort({ seq: 1 }).lean();
    expect(hits.map((h) => [h.seq, h.amounts.messages, h.total.messages])).toEqual([
      [0, 2, 2],
      [1, 2, 4],
    ]);
  });

  it('when the cleanup runs then quota hits before yesterday are deleted, the others kept', async () => {
    const now = new Date(Date.UTC(2025, 5, 20, 12, 0, 0));
    const day = Math.floor(now.getTime() / 86_400_000);
    const user = new Types.ObjectId();
    await QuotaHit.insertMany(
      [day - 3, day - 2, day - 1, day].map((d) => ({
        _id: quotaHitId(user, d, 0),
        user_id: user,
        day: d,
        seq: 0,
        amounts: { messages: 1, pushes: 1, lookups: 0 },
        total: { messages: 1, pushes: 1, lookups: 0 },
      })),
    );
    const removed = await runCleanup(now, createLogger('silent'), testConfig());
    expect(removed.quotas).toBeGreaterThanOrEqual(2);
    expect((await QuotaHit.find({ user_id: user }).lean()).map((h) => h.day).sort()).toEqual([day - 1, day]);
  });
});
