import request from 'supertest';
import { PhoneHistory, PhoneOwner, User } from '../../src/models';
import { buildTestApp, type TestApp } from '../helpers/app';
import { useTestDatabase } from '../helpers/db';
import { startWebChild, type WebChild } from '../helpers/webChildProcess';
import { androidBody, createUser, sessionCookieOf } from '../helpers/factories';

const db = useTestDatabase();
let t: TestApp;
let child: WebChild;
let childUrl: string;

/** Both processes: the claim race below moves each account through many numbers. */
const CHANGES = 40;
const SETTINGS = { PHONE_CHANGES_PER_30_DAYS: String(CHANGES) };

beforeAll(async () => {
  t = buildTestApp(SETTINGS);
  child = await startWebChild(db.uri(), SETTINGS);
  childUrl = child.url;
}, 60_000);

afterAll(() => child.stop());

async function loginCookie(email: string, password: string): Promise<string> {
  const res = await androidBody(request(t.app).post('/login'), {
    email,
    password,
    os: 'android',
    reg_id: 't',
  }).expect(200);
  return sessionCookieOf(res);
}

describe('phone numbers claimed from two web processes', () => {
  it('when two accounts claim each number at once through two processes then each number has exactly one owner', async () => {
    const a = await createUser();
    const b = await createUser();
    const cookies = {
      [a.id]: await loginCookie(a.email, a.password),
      [b.id]: await loginCookie(b.email, b.password),
    };
    const claim = (target: string | typeof t.app, userId: string, phone: string) =>
      androidBody(request(target).post('/define_first_phone_number').set('Cookie', cookies[userId]!), {
        phone_number: phone,
        os: 'android',
        reg_id: 't',
      });
    const wins = { [a.id]: 0, [b.id]: 0 };
    for (let round = 0; round < 20; round++) {
      const phone = `00336130000${String(round).padStart(2, '0')}`;
      // Alternate which process serves which account.
      const [first, second] = round % 2 === 0 ? [t.app, childUrl] : [childUrl, t.app];
      const [ra, rb] = await Promise.all([claim(first, a.id, phone), claim(second, b.id, phone)]);
      expect([ra.status, rb.status].sort()).toEqual([200, 406]);
      const winner = ra.status === 200 ? a.id : b.id;
      wins[winner]! += 1;
      const stored = await PhoneOwner.find({ _id: phone }).lean();
      expect(stored.map((o) => String(o.user_id))).toEqual([winner]);
    }
    expect(wins[a.id]! + wins[b.id]!).toBe(20);
    for (const u of await User.find({ _id: { $in: [a.user._id, b.user._id] } }).lean()) {
      const claims = await PhoneOwner.find({ user_id: u._id }).lean();
      expect(claims.map((c) => c._id)).toEqual(u.device ? [u.device.phone] : []);
    }
  }, 60_000);

  it('when one account changes its number many times at once through two processes then only the cap succeed', async () => {
    const u = await createUser({ phone: '0033613100000' });
    const cookie = await loginCookie(u.email, u.password);
    const change = (target: string | typeof t.app, i: number) =>
      androidBody(request(target).post('/define_first_phone_number').set('Cookie', cookie), {
        phone_number: `00336131000${String(i + 1).padStart(2, '0')}`,
        os: 'android',
        reg_id: 't',
      });
    const tries = CHANGES + 10;
    const answers = await Promise.all(
      Array.from({ length: tries }, (_v, i) => change(i % 2 === 0 ? t.app : childUrl, i)),
    );
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(CHANGES);
    expect(statuses.filter((s) => s === 429)).toHaveLength(tries - CHANGES);
    expect(await PhoneHistory.countDocuments({ user_id: u.user._id, _id: /:change:/ })).toBe(CHANGES);
  }, 60_000);
});
