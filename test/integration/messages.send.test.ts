import request from 'supertest';
import { AddressBookEntry, PushJob, PushSchedule, User } from '../../src/models';
import { RANDOM_DELAY } from '../../src/domain/deliveryTime';
import { RECEIVE_COLORS } from '../../src/domain/colors';
import { buildTestApp, type TestApp } from '../helpers/app';
import { useTestDatabase } from '../helpers/db';
import {
  iosJson,
  scriptedRandom,
  seedTestCatalog,
  sendAndroid,
  sendIos,
  testClock,
} from '../helpers/messageFactories';
import { loggedIn, type Client } from '../helpers/session';
import { countQueued } from '../helpers/queues';
import { messageWith, messagesWith, countMessagesWith } from '../helpers/encrypted';

useTestDatabase();
const clock = testClock();
let random: () => number = Math.random;
let t: TestApp;
let alice: Client; // sender, has a phone
let bob: Client; // English receiver with a device
let chloe: Client; // French receiver with a device
let phoneCounter = 0;

const WEEK_KEY = '53b95c02edb08c3d6885041c';
const SURPRISE_KEY = '53b95c02edb08c3d68850420';
const YEAR_KEY = '53b95c02edb08c3d6885041f';
const nextPhone = () => `00336${String(10_000_000 + ++phoneCounter)}`;
const seconds = (d: Date) => d.getTime() / 1000;
const nowS = () => seconds(clock.now());

beforeAll(async () => {
  await seedTestCatalog();
  t = buildTestApp({}, { now: clock.now, random: () => random() });
  alice = await loggedIn(t.app, { phone: nextPhone() });
  bob = await loggedIn(t.app, { phone: nextPhone() });
  chloe = await loggedIn(t.app, { phone: nextPhone(), country_code: 'fr' });
});

beforeEach(() => {
  clock.advance(3600); // every test far from the previous one's retry window
  random = Math.random;
});

describe('sessions made by the test helper', () => {
  it('when a request has no session cookie then a protected route answers 401', async () => {
    await request(t.app).get('/get_number_of_future_messages').expect(401);
    await sendIos(request(t.app).post('/send'), { message: 'x', receiver_ids: '[]' }).expect(401);
  });

  it('when the signed cookie is sent then the user is logged in', async () => {
    await bob.get('/get_number_of_future_messages').expect(200);
  });
});

describe('POST /send: delivery types', () => {
  it('when iOS sends a text with a send-choice key then one message is stored with its label, colour and push', async () => {
    const res = await sendIos(alice.post('/send'), {
      message: 'Hello future',
      receiver_ids: iosJson([`id${bob.user.id}`]),
      delivery_option: iosJson({ type: WEEK_KEY, parameters: '', timezone: 'Europe/Paris' }),
    });
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
    const [m] = await messagesWith({ sender_id: alice.user.oid, message: 'Hello future' });
    expect(m).toMatchObject({
      receiver_id: bob.user.oid,
      photo_id: '',
      video_id: '',
      sound_id: '',
      version: '1.0',
      receive_label: 'Sent a week ago',
      blocked: false,
      send_now: false,
    });
    expect(m!.created_at).toEqual(clock.now());
    expect(seconds(m!.delivery_time)).toBe(nowS() + 7 * 86400);
    expect(RECEIVE_COLORS).toContain(m!.receive_color);
    // A week ahead: it waits in push_schedule, with the label the worker will push.
    expect(await PushSchedule.find({ message_id: m!._id }).lean()).toEqual([
      expect.objectContaining({
        kind: 'message',
        user_id: bob.user.oid,
        due_at: m!.delivery_time,
        label: m!.receive_label,
      }),
    ]);
  });

  it('when the receiver is French then the receive label is French', async () => {
    await sendAndroid(chloe.post('/send'), {
      message: 'salut',
      receiver_ids: JSON.stringify([`id${chloe.user.id}`]),
      delivery_option: JSON.stringify({ type: WEEK_KEY }),
    }).expect(200);
    const m = await messageWith({ message: 'salut' });
    expect(m!.receive_label).toBe('Envoyé il y a une semaine');
  });

  it.each([
    ['string seconds', (at: number) => String(at)],
    ['number seconds', (at: number) => at],
    ['Java float text', (at: number) => at.toExponential()],
  ])('when Android sends a calendar date as %s then it is the delivery time', async (_kind, encode) => {
    const at = nowS() + 30 * 86400;
    const text = `calendar ${_kind}`;
    await sendAndroid(alice.post('/send'), {
      message: text,
      receiver_ids: JSON.stringify([`id${bob.user.id}`]),
      delivery_option: JSON.stringify({ type: 'calendar', parameters: encode(at), time_zone: 'GMT+01:00' }),
    }).expect(200);
    const m = await messageWith({ message: text });
    expect(seconds(m!.delivery_time)).toBe(at);
    expect(m!.send_now).toBe(false);
  });

  it('when Android sends calendar "now" or no delivery option then the message is due a settle time from now and marked send-now', async () => {
    await sendAndroid(alice.post('/send'), {
      message: 'cal-now',
      receiver_ids: JSON.stringify([`id${bob.user.id}`]),
      delivery_option: '{"type":"calendar","parameters":"now"}',
    }).expect(200);
    await sendAndroid(alice.post('/send'), {
      message: 'no-option',
      receiver_ids: JSON.stringify([`id${bob.user.id}`]),
    }).expect(200);
    for (const text of ['cal-now', 'no-option']) {
      const m = await messageWith({ message: text });
      const due = new Date(clock.now().getTime() + t.config.WRITE_SETTLE_MS);
      expect(m!.delivery_time).toEqual(due);
      expect(m!.send_now).toBe(true);
      expect(m!.receive_label).toBe('Sent just now');
      expect(await countQueued({ message_id: m!._id, due_at: due })).toBe(1);
    }
  });

  it('when the surprise choice or the legacy resend type is used then the delay is drawn in 5,259,487 to 25,000,000 s', async () => {
    random = scriptedRandom([0]); // lowest delay, then colours
    await sendIos(alice.post('/send'), {
      message: 'surprise-low',
      receiver_ids: iosJson([`id${bob.user.id}`]),
      delivery_option: iosJson({ type: SURPRISE_KEY }),
    }).expect(200);
    random = scriptedRandom([0.9999999999]);
    await sendIos(alice.post('/send'), {
      message: 'resend-high',
      receiver_ids: iosJson([`id${bob.user.id}`]),
      delivery_option: iosJson({ type: 'resend', parameters: '' }),
    }).expect(200);
    const low = await messageWith({ message: 'surprise-low' });
    const high = await messageWith({ message: 'resend-high' });
    expect(seconds(low!.delivery_time)).toBe(nowS() + RANDOM_DELAY.min);
    expect(seconds(high!.delivery_time)).toBe(nowS() + RANDOM_DELAY.max);
  });

  it('when a photo is sent then message is "" and photo_id is kept', async () => {
    await sendAndroid(alice.post('/send'), {
      message: '',
      photo_id: 'photos/abc.jpg',
      receiver_ids: JSON.stringify([`id${bob.user.id}`]),
      delivery_option: JSON.stringify({ type: YEAR_KEY }),
    }).expect(200);
    const m = await messageWith({ photo_id: 'photos/abc.jpg' });
    expect(m).toMatchObject({ message: '', video_id: '', sound_id: '', receive_label: 'Sent a year ago' });
  });
});

describe('POST /send: receivers', () => {
  it('when num is the phone of an account then the message goes to that account', async () => {
    await sendIos(alice.post('/send'), {
      message: 'by-number',
      receiver_ids: iosJson([`num${bob.user.phone}`]),
      delivery_option: iosJson({ type: WEEK_KEY }),
    }).expect(200);
    const m = await messageWith({ message: 'by-number' });
    expect(m).toMatchObject({ receiver_id: bob.user.oid, receiver_phone: bob.user.phone });
    expect(await countQueued({ message_id: m!._id, kind: 'message' })).toBe(1);
  });

  it('when num has no account then a hidden bottle is kept and nobody is pushed', async () => {
    const phone = nextPhone();
    await sendIos(alice.post('/send'), {
      message: 'bottle',
      receiver_ids: iosJson([`num${phone}`]),
      delivery_option: iosJson({ type: WEEK_KEY }),
    }).expect(200);
    const m = await messageWith({ message: 'bottle' });
    expect(m).toMatchObject({
      receiver_id: null,
      receiver_phone: phone,
      receive_label: 'Envoyé il y a une semaine',
    });
    expect(await countQueued({ message_id: m!._id })).toBe(0);
  });

  it('when one send lists several receivers, one twice by id and number, then each gets one message', async () => {
    const phone = nextPhone();
    const receivers = [`id${bob.user.id}`, `num${bob.user.phone}`, `id${chloe.user.id}`, `num${phone}`];
    await sendAndroid(alice.post('/send'), {
      message: 'many',
      receiver_ids: JSON.stringify(receivers),
      delivery_option: JSON.stringify({ type: WEEK_KEY }),
    }).expect(200);
    const stored = await messagesWith({ message: 'many' });
    expect(stored.map((m) => String(m.receiver_id ?? m.receiver_phone)).sort()).toEqual(
      [bob.user.id, chloe.user.id, phone].sort(),
    );
    expect(new Set(stored.map((m) => m.delivery_time.getTime())).size).toBe(1);
    expect(await countQueued({ kind: 'message', message_id: { $in: stored.map((m) => m._id) } })).toBe(2);
  });
});

describe('POST /send: numbers as the apps write them', () => {
  /** `0033610000004` as French contacts are written: `00336.10.00.00.04`. */
  const dotted = (phone: string) => `${phone.slice(0, 5)}.${phone.slice(5).match(/../g)!.join('.')}`;

  it('when Android sends a dotted contact among others then 200 and every receiver gets its message', async () => {
    const unknown = nextPhone();
    const receivers = [`id${bob.user.id}`, `num${dotted(chloe.user.phone!)}`, `num${dotted(unknown)}`];
    await sendAndroid(alice.post('/send'), {
      message: 'dotted-android',
      receiver_ids: JSON.stringify(receivers),
      delivery_option: JSON.stringify({ type: WEEK_KEY }),
    }).expect(200);
    const stored = await messagesWith({ message: 'dotted-android' });
    expect(stored.map((m) => [m.receiver_id && String(m.receiver_id), m.receiver_phone]).sort()).toEqual(
      [
        [bob.user.id, ''],
        [chloe.user.id, chloe.user.phone],
        [null, unknown],
      ].sort(),
    );
  });

  it('when iOS sends raw numbers with direction marks, slashes and a trailing comma then they are matched', async () => {
    const unknown = nextPhone();
    const receivers = [
      `num\u202a${bob.user.phone!.slice(0, 5)} ${bob.user.phone!.slice(5)}\u202c`,
      `num${chloe.user.phone!.slice(0, 7)}/${chloe.user.phone!.slice(7)},`,
      `num\u200e${unknown}#`,
    ];
    await sendIos(alice.post('/send'), {
      message: 'marks-ios',
      receiver_ids: iosJson(receivers),
      delivery_option: iosJson({ type: WEEK_KEY }),
    }).expect(200);
    const stored = await messagesWith({ message: 'marks-ios' });
    expect(stored.map((m) => String(m.receiver_id ?? m.receiver_phone)).sort()).toEqual(
      [bob.user.id, chloe.user.id, unknown].sort(),
    );
    expect(stored.find((m) => m.receiver_id === null)!.receiver_phone).toBe(unknown);
  });

  it('when a num entry has no usable digits then it is skipped and the others still get the message', async () => {
    await sendAndroid(alice.post('/send'), {
      message: 'one-unusable',
      receiver_ids: JSON.stringify([
        'num...',
        `id${bob.user.id}`,
        'num12',
        `num${dotted(chloe.user.phone!)}`,
      ]),
      delivery_option: JSON.stringify({ type: WEEK_KEY }),
    }).expect(200);
    const stored = await messagesWith({ message: 'one-unusable' });
    expect(stored.map((m) => String(m.receiver_id)).sort()).toEqual([bob.user.id, chloe.user.id].sort());
  });

  it('when no receiver is usable then 400 with a reason and nothing is stored', async () => {
    const res = await sendAndroid(alice.post('/send'), {
      message: 'none-usable',
      receiver_ids: JSON.stringify(['num...', 'num(null)', 'num12']),
      delivery_option: JSON.stringify({ type: WEEK_KEY }),
    });
    expect(res.status).toBe(400);
    expect(res.text).toBe('no receiver with a usable phone number');
    expect(await countMessagesWith({ message: 'none-usable' })).toBe(0);
  });
});

describe('POST /send: teasers', () => {
  let dan: Client;
  beforeAll(async () => {
    dan = await loggedIn(t.app, { phone: nextPhone(), country_code: 'fr' });
    const entries = [bob, chloe, dan].map((owner) => ({
      _id: `${owner.user.id}:${alice.user.phone}`,
      owner_id: owner.user.oid,
      tel: alice.user.phone,
      name: owner === bob ? 'Alice Martin' : 'Alice',
      uploaded_at: new Date(),
    }));
    await AddressBookEntry.insertMany(entries.filter((e) => !e._id.startsWith(chloe.user.id)));
  });

  it('when the receiver has the sender in their address book and delivery is far then a teaser is queued now', async () => {
    await sendAndroid(alice.post('/send'), {
      message: 'teased',
      receiver_ids: JSON.stringify([`id${bob.user.id}`, `id${dan.user.id}`, `id${chloe.user.id}`]),
      delivery_option: JSON.stringify({ type: WEEK_KEY }),
    }).expect(200);
    const teasers = await PushJob.find({ kind: 'teaser', created_at: clock.now() }).lean();
    expect(teasers.map((j) => [String(j.user_id), j.text, j.due_at.getTime()]).sort()).toEqual(
      [
        [
          bob.user.id,
          'Alice Martin just sent you a message. You will receive it in a week!',
          clock.now().getTime(),
        ],
        [
          dan.user.id,
          "Alice vient de t'envoyer un message. Tu le recevras dans une semaine !",
          clock.now().getTime(),
        ],
      ].sort(),
    );
  });

  it('when delivery is within 200 s, or the receiver is the sender, then no teaser', async () => {
    const at = nowS() + 200;
    await sendAndroid(alice.post('/send'), {
      message: 'soon',
      receiver_ids: JSON.stringify([`id${bob.user.id}`]),
      delivery_option: JSON.stringify({ type: 'calendar', parameters: at }),
    }).expect(200);
    await sendAndroid(alice.post('/send'), {
      message: 'self',
      receiver_ids: JSON.stringify([`id${alice.user.id}`]),
      delivery_option: JSON.stringify({ type: WEEK_KEY }),
    }).expect(200);
    expect(await countQueued({ kind: 'teaser', created_at: clock.now() })).toBe(0);
  });

  it('when the receiver has no device then no teaser', async () => {
    await User.updateOne({ _id: bob.user.oid }, { $unset: { device: 1 } });
    await sendAndroid(alice.post('/send'), {
      message: 'no-device',
      receiver_ids: JSON.stringify([`id${bob.user.id}`]),
      delivery_option: JSON.stringify({ type: WEEK_KEY }),
    }).expect(200);
    expect(await countQueued({ kind: 'teaser', created_at: clock.now() })).toBe(0);
    await User.updateOne(
      { _id: bob.user.oid },
      { $set: { device: { phone: bob.user.phone, os: 'android', reg_id: 'token' } } },
    );
  });
});
