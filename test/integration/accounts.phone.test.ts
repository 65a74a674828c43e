import request from 'supertest';
import { Types } from 'mongoose';
import { Message, PhoneOwner, User } from '../../src/models';
import { buildTestApp, type TestApp } from '../helpers/app';
import { useTestDatabase } from '../helpers/db';
import { androidBody, createUser, iosBody, loginAgent } from '../helpers/factories';

useTestDatabase();
let t: TestApp;

beforeAll(() => {
  t = buildTestApp();
});

async function loggedInUser(opts: Parameters<typeof createUser>[0] = {}, app = t.app) {
  const u = await createUser(opts);
  return { ...u, agent: await loginAgent(app, u.email, u.password) };
}

const owners = async (phone: string) =>
  (await PhoneOwner.find({ _id: phone }).lean()).map((o) => String(o.user_id));

describe('protected routes without a session', () => {
  it.each([
    ['post', '/define_first_phone_number', 'phone_number=0033600000001&os=ios&reg_id=x'],
    ['post', '/upload_contacts', 'contacts=[]'],
    ['post', '/upload_address_book', 'address_book=[]'],
    ['get', '/get_address_book', ''],
  ] as const)('when %s %s has no session then 401 with no redirect', async (method, path, body) => {
    const res =
      method === 'get' ? await request(t.app).get(path) : await iosBody(request(t.app).post(path), body);
    expect(res.status).toBe(401);
    expect(res.headers.location).toBeUndefined();
  });

  it('when the session cookie is forged then 401', async () => {
    await request(t.app).get('/get_address_book').set('Cookie', 'session=s%3Aforged.sig').expect(401);
  });
});

describe('POST /define_first_phone_number', () => {
  it('when iOS defines a free number then it becomes the device and the owner is recorded', async () => {
    const u = await loggedInUser();
    const res = await iosBody(
      u.agent.post('/define_first_phone_number'),
      `phone_number=0033611000001&os=ios&reg_id=${'cd'.repeat(32)}`,
    ).expect(200);
    expect(res.text).toBe('');
    const user = await User.findById(u.id).lean();
    expect(user!.device).toMatchObject({ phone: '0033611000001', os: 'ios', reg_id: 'cd'.repeat(32) });
    expect(await owners('0033611000001')).toEqual([u.id]);
  });

  it('when Android sends a + number with a (null) token then it is stored in 00 form without a token', async () => {
    const u = await loggedInUser();
    await androidBody(u.agent.post('/define_first_phone_number'), {
      phone_number: '+44 7700-900001',
      os: 'android',
      reg_id: '(null)',
    }).expect(200);
    expect((await User.findById(u.id).lean())!.device).toMatchObject({ phone: '00447700900001', reg_id: '' });
  });

  it('when Android sends a dotted French number then 200 and it is stored in 00 form', async () => {
    const u = await loggedInUser();
    await androidBody(u.agent.post('/define_first_phone_number'), {
      phone_number: '00336.11.00.00.21',
      os: 'android',
      reg_id: 't',
    }).expect(200);
    expect((await User.findById(u.id).lean())!.device).toMatchObject({ phone: '0033611000021' });
    expect(await owners('0033611000021')).toEqual([u.id]);
  });

  it('when iOS sends a number wrapped in direction marks with a no-break space then it is stored in 00 form', async () => {
    const u = await loggedInUser();
    const raw = '\u202a0033\u00a0611000022\u202c';
    await iosBody(u.agent.post('/define_first_phone_number'), `phone_number=${raw}&os=ios&reg_id=`).expect(
      200,
    );
    expect((await User.findById(u.id).lean())!.device).toMatchObject({ phone: '0033611000022', os: 'ios' });
    expect(await owners('0033611000022')).toEqual([u.id]);
  });

  it('when another account sends the same number written differently then 406: it is the same number', async () => {
    const owner = await createUser({ phone: '0033611000023' });
    const u = await loggedInUser();
    const res = await androidBody(u.agent.post('/define_first_phone_number'), {
      phone_number: '+33 (0)6 11 00 00 23',
      os: 'android',
      reg_id: 't',
    });
    expect(res.status).toBe(406);
    expect(await owners('0033611000023')).toEqual([owner.id]);
    expect((await User.findById(u.id).lean())!.device).toBeUndefined();
  });

  it('when the number belongs to another account then 406 and nothing changes', async () => {
    const owner = await createUser({ phone: '0033611000002' });
    const u = await loggedInUser();
    const res = await androidBody(u.agent.post('/define_first_phone_number'), {
      phone_number: '0033611000002',
      os: 'android',
      reg_id: 't',
    });
    expect(res.status).toBe(406);
    expect(await owners('0033611000002')).toEqual([owner.id]);
    expect((await User.findById(u.id).lean())!.device).toBeUndefined();
  });

  it('when a user defines their own number again then 200 and the device fields are refreshed', async () => {
    const u = await loggedInUser({ phone: '0033611000003', regId: 'old' });
    await androidBody(u.agent.post('/define_first_phone_number'), {
      phone_number: '0033611000003',
      os: 'android',
      reg_id: 'new',
    }).expect(200);
    expect((await User.findById(u.id).lean())!.device).toMatchObject({
      phone: '0033611000003',
      reg_id: 'new',
    });
    expect(await owners('0033611000003')).toEqual([u.id]);
  });

  it('when a user replaces their number then the old one is released and another account can take it', async () => {
    const u = await loggedInUser({ phone: '0033611000004' });
    await androidBody(u.agent.post('/define_first_phone_number'), {
      phone_number: '0033611000005',
      os: 'android',
      reg_id: 't',
    }).expect(200);
    expect(await owners('0033611000004')).toEqual([]);
    expect(await owners('0033611000005')).toEqual([u.id]);
    const other = await loggedInUser();
    await androidBody(other.agent.post('/define_first_phone_number'), {
      phone_number: '0033611000004',
      os: 'ios',
      reg_id: '',
    }).expect(200);
    expect(await owners('0033611000004')).toEqual([other.id]);
  });

  it('when an old claim is stale (its owner moved to another number) then the number can be taken', async () => {
    const mover = await createUser({ phone: '0033611000007' });
    await PhoneOwner.create({
      _id: '0033611000006',
      user_id: mover.user._id,
      claimed_at: new Date(Date.now() - 3_600_000),
    });
    const u = await loggedInUser();
    await androidBody(u.agent.post('/define_first_phone_number'), {
      phone_number: '0033611000006',
      os: 'ios',
      reg_id: '',
    }).expect(200);
    expect(await owners('0033611000006')).toEqual([u.id]);
  });

  it('when a claim is young then it is respected even if the device is not written yet', async () => {
    const claimer = await createUser();
    await PhoneOwner.create({ _id: '0033611000008', user_id: claimer.user._id, claimed_at: new Date() });
    const u = await loggedInUser();
    const res = await androidBody(u.agent.post('/define_first_phone_number'), {
      phone_number: '0033611000008',
      os: 'ios',
      reg_id: '',
    });
    expect(res.status).toBe(406);
  });

  it('when messages were sent to the number before it had an account then they become the user’s', async () => {
    const sender = await createUser({ phone: '0033611000009' });
    const bottle = await Message.create({
      sender_id: sender.user._id,
      receiver_phone: '0033611000010',
      message: 'bottle',
      created_at: new Date(Date.now() - 86_400_000),
      delivery_time: new Date(Date.now() + 86_400_000),
    });
    const u = await loggedInUser();
    await androidBody(u.agent.post('/define_first_phone_number'), {
      phone_number: '0033611000010',
      os: 'android',
      reg_id: 't',
    }).expect(200);
    expect(String((await Message.findById(bottle._id).lean())!.receiver_id)).toBe(u.id);
  });

  it.each([
    ['', 'missing field phone_number'],
    ['phone_number=&os=ios&reg_id=x', 'invalid field phone_number'],
    ['phone_number=abc&os=ios&reg_id=x', 'invalid field phone_number: expected 4 to 20 digits'],
    ['phone_number=00.3&os=ios&reg_id=x', 'invalid field phone_number: expected 4 to 20 digits'],
    [`phone_number=${'1'.repeat(21)}&os=ios&reg_id=x`, 'invalid field phone_number'],
    [`phone_number=${'1'.repeat(65)}&os=ios&reg_id=x`, 'invalid field phone_number'],
    ['phone_number=0033611000011&reg_id=x', 'missing field os'],
    ['phone_number=0033611000011&os=ios', 'missing field reg_id'],
  ])('when the form is %j then 400 and nothing is stored', async (body, reason) => {
    const u = await loggedInUser();
    const res = await iosBody(u.agent.post('/define_first_phone_number'), body).expect(400);
    expect(res.text).toContain(reason);
    expect(await PhoneOwner.countDocuments({ user_id: new Types.ObjectId(u.id) })).toBe(0);
  });

  it('when two accounts claim the same numbers at the same moment then each number has exactly one owner', async () => {
    // Ten numbers each: more changes than PHONE_CHANGES_PER_30_DAYS allows by default.
    const { app } = buildTestApp({ PHONE_CHANGES_PER_30_DAYS: '20' });
    const a = await loggedInUser({}, app);
    const b = await loggedInUser({}, app);
    for (let round = 0; round < 10; round++) {
      const phone = `00336120000${String(round).padStart(2, '0')}`;
      const claim = (u: typeof a) =>
        androidBody(u.agent.post('/define_first_phone_number'), {
          phone_number: phone,
          os: 'android',
          reg_id: 't',
        });
      const [ra, rb] = await Promise.all([claim(a), claim(b)]);
      expect([ra.status, rb.status].sort()).toEqual([200, 406]);
      const winner = ra.status === 200 ? a : b;
      expect(await owners(phone)).toEqual([winner.id]);
      expect((await User.findById(winner.id).lean())!.device!.phone).toBe(phone);
    }
    const phones = await User.find({ _id: { $in: [a.id, b.id] } }).lean();
    expect(new Set(phones.map((u) => u.device?.phone).filter(Boolean)).size).toBe(
      phones.filter((u) => u.device).length,
    );
  });
});
