import request from 'supertest';
import { RateHit, User } from '../../src/models';
import { buildTestApp } from '../helpers/app';
import { useTestDatabase } from '../helpers/db';
import { androidBody, createUser, sha256Hex } from '../helpers/factories';

useTestDatabase();

const password = (label: string) => sha256Hex(`typed ${label} ${Math.random()}`);
const loginFields = (email: string, pw: string) => ({ email, password: pw, os: 'android', reg_id: 't' });

describe('rate limits', () => {
  beforeEach(() => RateHit.deleteMany({}));

  it('when one account gets too many logins then 429, while another account still logs in', async () => {
    const limited = buildTestApp({ LOGIN_LIMIT_PER_ACCOUNT: '3' });
    const a = await createUser();
    const b = await createUser();
    for (let i = 0; i < 3; i++)
      await androidBody(request(limited.app).post('/login'), loginFields(a.email, password('x')));
    const res = await androidBody(request(limited.app).post('/login'), loginFields(a.email, a.password));
    expect(res.status).toBe(429);
    await androidBody(request(limited.app).post('/login'), loginFields(b.email, b.password)).expect(200);
  });

  it('when logins race past the limit then no more than the limit get through, and each is counted', async () => {
    const limited = buildTestApp({ LOGIN_LIMIT_PER_ACCOUNT: '4' });
    const a = await createUser();
    const results = await Promise.all(
      Array.from({ length: 12 }, () =>
        androidBody(request(limited.app).post('/login'), loginFields(a.email, a.password)),
      ),
    );
    // A burst may be refused entirely (each counts the others' hits); never more than 4 pass.
    expect(results.filter((r) => r.status === 200).length).toBeLessThanOrEqual(4);
    expect(results.every((r) => r.status === 200 || r.status === 429)).toBe(true);
    expect(await RateHit.countDocuments({ key: /^login:acct:/ })).toBe(12);
  });

  it('when one client address tries many accounts then 429', async () => {
    const limited = buildTestApp({ LOGIN_LIMIT_PER_ADDRESS: '2' });
    const users = [await createUser(), await createUser(), await createUser()];
    await androidBody(
      request(limited.app).post('/login'),
      loginFields(users[0]!.email, users[0]!.password),
    ).expect(200);
    await androidBody(
      request(limited.app).post('/login'),
      loginFields(users[1]!.email, users[1]!.password),
    ).expect(200);
    await androidBody(
      request(limited.app).post('/login'),
      loginFields(users[2]!.email, users[2]!.password),
    ).expect(429);
  });

  it('when one address signs up too often then 429 and the extra account is not created', async () => {
    const limited = buildTestApp({ SIGNUP_LIMIT_PER_ADDRESS: '2' });
    await androidBody(request(limited.app).post('/signup'), {
      email: 'lim1@example.com',
      password: password('l'),
    }).expect(200);
    await androidBody(request(limited.app).post('/signup'), {
      email: 'lim2@example.com',
      password: password('l'),
    }).expect(200);
    await androidBody(request(limited.app).post('/signup'), {
      email: 'lim3@example.com',
      password: password('l'),
    }).expect(429);
    expect(await User.countDocuments({ email: 'lim3@example.com' })).toBe(0);
  });

  it('when behind a trusted proxy then each forwarded client address has its own budget', async () => {
    const limited = buildTestApp({ LOGIN_LIMIT_PER_ADDRESS: '1', TRUST_PROXY_HOPS: '1' });
    const a = await createUser();
    const login = (ip: string) =>
      androidBody(
        request(limited.app).post('/login').set('X-Forwarded-For', ip),
        loginFields(a.email, a.password),
      );
    await login('198.51.100.1').expect(200);
    await login('198.51.100.2').expect(200);
    await login('198.51.100.1').expect(429);
  });
});
