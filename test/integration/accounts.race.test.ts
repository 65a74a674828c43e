import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import request from 'supertest';
import { PhoneOwner, User } from '../../src/models';
import { buildTestApp, type TestApp } from '../helpers/app';
import { useTestDatabase } from '../helpers/db';
import { androidBody, createUser, sessionCookieOf } from '../helpers/factories';

const db = useTestDatabase();
let t: TestApp;
let child: ChildProcess;
let childUrl: string;

beforeAll(async () => {
  t = buildTestApp();
  const script = path.join(__dirname, '..', 'helpers', 'webChild.ts');
  child = spawn(process.execPath, ['--import', 'tsx', script, db.uri()], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const port = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`web child exited with ${code}`)));
  });
  childUrl = `http://127.0.0.1:${port.trim()}`;
}, 60_000);

afterAll(async () => {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.stdin!.end();
  await exited;
});

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
});
