/**
 * Probes (issue 14 item 6, issue 13 item 6) against the real database, as an attacker
 * would try them with the apps' own requests: phone numbers are claimed without proof,
 * so a claimed number cannot be taken however it is written, an account cannot collect
 * other numbers' bottles by hopping from number to number, and uploading numbers never
 * maps them to Facebook identities.
 */
import request from 'supertest';
import { Message, PhoneHistory, PhoneOwner, User } from '../../src/models';
import { buildTestApp, type TestApp } from '../helpers/app';
import { useTestDatabase } from '../helpers/db';
import { androidBody, createUser, iosBody, loginAgent, sessionCookieOf } from '../helpers/factories';
import { seedTestCatalog } from '../helpers/messageFactories';
import { messageWith } from '../helpers/encrypted';

useTestDatabase();
const WEEK_KEY = '53b95c02edb08c3d6885041c';
let t: TestApp;
let seq = 0;
const nextPhone = () => `0033615${String(++seq).padStart(6, '0')}`;

beforeAll(async () => {
  await seedTestCatalog();
  t = buildTestApp({ FACEBOOK_LOGIN: 'legacy' });
});

async function member(phone?: string) {
  const u = await createUser({ phone });
  return { ...u, agent: await loginAgent(t.app, u.email, u.password) };
}
type Member = Awaited<ReturnType<typeof member>>;

const define = (m: Member, phone: string) =>
  androidBody(m.agent.post('/define_first_phone_number'), {
    phone_number: phone,
    os: 'android',
    reg_id: 'x',
  });

async function bottle(from: Member, phone: string, text: string) {
  await androidBody(from.agent.post('/send'), {
    message: text,
    receiver_ids: JSON.stringify([`num${phone}`]),
    delivery_option: JSON.stringify({ type: WEEK_KEY }),
  }).expect(200);
}

const receiverOf = async (text: string) => {
  const m = await messageWith({ message: text });
  return m!.receiver_id ? String(m!.receiver_id) : null;
};

describe('probe: a claimed number cannot be taken', () => {
  it('when an attacker defines the victim’s number in any spelling then 406 each time and nothing moves', async () => {
    const victim = await member(nextPhone());
    const attacker = await member();
    const v = victim.phone!;
    const spellings = [
      v,
      `${v.slice(0, 5)}.${v.slice(5).match(/../g)!.join('.')}`,
      `+${v.slice(2, 4)} (0)${v.slice(4, 5)} ${v.slice(5)}`,
      `\u202a+${v.slice(2)}\u202c`,
      `(${v.slice(0, 4)})${v.slice(4)}#`,
    ];
    for (const s of spellings) expect((await define(attacker, s)).status).toBe(406);
    expect(
      await iosBody(attacker.agent.post('/define_first_phone_number'), `phone_number=${v}/&os=ios&reg_id=`),
    ).toHaveProperty('status', 406);
    expect((await PhoneOwner.find({ _id: v }).lean()).map((o) => String(o.user_id))).toEqual([victim.id]);
    expect((await User.findById(attacker.id).lean())!.device).toBeUndefined();
    expect(await PhoneHistory.countDocuments({ user_id: attacker.user._id })).toBe(0);
    // What is sent to the number, however written, still reaches its owner.
    await bottle(attacker, spellings[1]!, 'to the victim, dotted');
    expect(await receiverOf('to the victim, dotted')).toBe(victim.id);
  });
});

describe('probe: hopping numbers collects no bottles', () => {
  it('when an account hops through numbers that have bottles then it gets only its first number’s and is stopped at the cap', async () => {
    const sender = await member(nextPhone());
    const targets = [nextPhone(), nextPhone(), nextPhone(), nextPhone()];
    for (const [i, phone] of targets.entries()) await bottle(sender, phone, `bottle ${i}`);
    const hopper = await member();
    expect((await define(hopper, targets[0]!)).status).toBe(200);
    expect((await define(hopper, targets[1]!)).status).toBe(200);
    expect((await define(hopper, targets[2]!)).status).toBe(200);
    const refused = await define(hopper, targets[3]!);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(29 * 86400);
    expect(await Message.countDocuments({ receiver_id: hopper.user._id })).toBe(1);
    expect(await receiverOf('bottle 0')).toBe(hopper.id);
    for (const i of [1, 2, 3]) expect(await receiverOf(`bottle ${i}`)).toBeNull();

    // The real owner of a number the hopper passed through still gets its bottle.
    const owner = await member();
    expect((await define(owner, targets[1]!)).status).toBe(200);
    expect(await receiverOf('bottle 1')).toBe(owner.id);
  });
});

describe('probe: contacts never reveal Facebook identities', () => {
  it('when a Facebook account is on Pictever then upload_contacts and get_address_book give "" for its Facebook fields', async () => {
    // The account is made the original's way: the legacy Facebook login, then a number.
    const login = await androidBody(request(t.app).post('/login'), {
      email: '',
      os: 'android',
      reg_id: 'fb-token',
      facebook_id: 'FB-PROBE-4242',
      facebook_name: 'Probe Person',
    }).expect(200);
    const fbPhone = nextPhone();
    const cookie = sessionCookieOf(login);
    await androidBody(request(t.app).post('/define_first_phone_number').set('Cookie', cookie), {
      phone_number: fbPhone,
      os: 'android',
      reg_id: 'fb-token',
    }).expect(200);
    const stored = await User.findOne({ facebook_id: 'FB-PROBE-4242' }).lean();
    expect(stored).toMatchObject({ facebook_name: 'Probe Person', device: { phone: fbPhone } });

    const curious = await member(nextPhone());
    const contacts = await androidBody(curious.agent.post('/upload_contacts'), {
      contacts: JSON.stringify([fbPhone]),
    }).expect(200);
    expect(contacts.body).toEqual([
      {
        phoneNumber1: fbPhone,
        email: '',
        facebook_id: '',
        facebook_name: '',
        status: expect.any(String),
        user_id: String(stored!._id),
      },
    ]);
    await iosBody(
      curious.agent.post('/upload_address_book'),
      `address_book=[{"tel":"${fbPhone}","name":"Who is this"}]`,
    ).expect(200);
    const book = await curious.agent.get('/get_address_book').expect(200);
    expect(book.body).toEqual([
      expect.objectContaining({ phoneNumber1: fbPhone, email: '', facebook_id: '', facebook_name: '' }),
    ]);
    for (const text of [contacts.text, book.text]) {
      expect(text).not.toContain('FB-PROBE-4242');
      expect(text).not.toContain('Probe Person');
      expect(text).not.toContain(stored!.email);
    }
  });
});
