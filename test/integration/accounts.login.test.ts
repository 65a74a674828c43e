import request from 'supertest';
import { RateHit, SessionRecord, User } from '../../src/models';
import { loginValuesShape } from '../../src/shapes';
import { buildTestApp, type TestApp } from '../helpers/app';
import { loginFields, SentSecrets } from '../helpers/accountFixtures';
import { useTestDatabase } from '../helpers/db';
import { androidBody, createUser, iosBody, loginAgent, sessionCookieOf } from '../helpers/factories';

useTestDatabase();
let t: TestApp;
const secrets = new SentSecrets(); // none may appear in a log line

const LOGIN_ENV = {
  PUBLIC_URL: 'https://pictever.example.com/',
  IOS_VERSION_NEEDED: '2.2',
  ANDROID_VERSION_NEEDED: '1.1',
  AMAZON_APP_ID: 'amzn-app',
  AWS_ACCOUNT_ID: '123456789012',
  COGNITO_POOL_ID: 'eu-west-1:pool',
  COGNITO_ROLE_UNAUTH: 'arn:unauth',
  COGNITO_ROLE_AUTH: 'arn:auth',
  S3_BUCKET_NAME: 'pictever-media',
  CLOUDFRONT_URL: 'https://cdn.example.com/',
  ANDROID_UPDATE_LINK: 'https://play.example.com/pictever',
  IOS_UPDATE_LINK: 'https://apps.example.com/pictever',
};

beforeAll(() => {
  t = buildTestApp(LOGIN_ENV);
});

const password = (label: string) => secrets.password(label);

/** The password with its last character changed (never equal to it). */
const wrongPassword = (pw: string) => `${pw.slice(0, -1)}${pw.endsWith('0') ? '1' : '0'}`;
describe('POST /login', () => {
  it('when the credentials are right then every value of the answer is a string from the configuration', async () => {
    const { id, email, password: pw } = await createUser();
    secrets.add(pw);
    const res = await androidBody(request(t.app).post('/login'), loginFields(email, pw)).expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toEqual({
      user_id: id,
      web_app_url: 'https://pictever.example.com/',
      ios_version_needed: '2.2',
      android_version_needed: '1.1',
      force_update: 'false',
      amazon_app_id: 'amzn-app',
      aws_account_id: '123456789012',
      cognito_pool_id: 'eu-west-1:pool',
      cognito_role_unauth: 'arn:unauth',
      cognito_role_auth: 'arn:auth',
      bucket_name: 'pictever-media',
      cloudfront: 'https://cdn.example.com/',
      android_update_link: 'https://play.example.com/pictever',
      ios_update_link: 'https://apps.example.com/pictever',
    });
    expect(Object.keys(res.body as object)).toEqual(Object.keys(loginValuesShape.shape));
    expect(Object.values(res.body as object).every((v) => typeof v === 'string')).toBe(true);
    expect(res.text).not.toContain(pw);
  });

  it('when nothing is configured then the values are still all strings', async () => {
    const bare = buildTestApp();
    const { email, password: pw } = await createUser();
    const res = await androidBody(request(bare.app).post('/login'), loginFields(email, pw)).expect(200);
    expect(Object.values(res.body as object).every((v) => typeof v === 'string')).toBe(true);
    expect(res.body.aws_account_id).toBe('');
    expect(res.body.web_app_url).toMatch(/^http:\/\/localhost:\d+\/$/);
  });

  it('when many users log in at the same moment then each gets their own user id', async () => {
    const users = await Promise.all(Array.from({ length: 8 }, () => createUser()));
    const results = await Promise.all(
      users.map((u) => androidBody(request(t.app).post('/login'), loginFields(u.email, u.password))),
    );
    expect(results.map((r) => r.body.user_id)).toEqual(users.map((u) => u.id));
  });

  it('when the password is wrong or the email unknown then 401 and no session', async () => {
    const { email } = await createUser();
    for (const fields of [
      loginFields(email, password('wrong')),
      loginFields('nobody@example.com', password('x')),
    ]) {
      const res = await androidBody(request(t.app).post('/login'), fields);
      expect(res.status).toBe(401);
      expect(res.headers['set-cookie']).toBeUndefined();
    }
  });

  it.each([
    ['password=abc&os=ios&reg_id=x', 'missing field email'],
    ['email=a@example.com&os=ios&reg_id=x', 'missing email or password'],
    ['email=&password=abc&os=ios&reg_id=x', 'missing email or password'],
    ['email=a@example.com&password=&os=ios&reg_id=x', 'missing email or password'],
    ['email=&password=&os=ios&reg_id=&facebook_id=1234', 'missing email or password'],
    ['email=a@example.com&password=abc&reg_id=x', 'missing field os'],
    ['email=a@example.com&password=abc&os=ios', 'missing field reg_id'],
    [`email=a@example.com&password=${'a'.repeat(201)}&os=ios&reg_id=x`, 'invalid field password'],
  ])('when the login form is %j then 401 (never 400), no cookie and no hit', async (body, reason) => {
    const hits = await RateHit.countDocuments({});
    const res = await iosBody(request(t.app).post('/login'), body).expect(401);
    expect(res.text).toContain(reason);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(await RateHit.countDocuments({})).toBe(hits);
  });

  it('when a Facebook user of the original sends an empty password (Android, encoded) then 401', async () => {
    const { email } = await createUser({ facebookId: 'fb-empty' });
    const res = await androidBody(request(t.app).post('/login'), {
      ...loginFields(email, ''),
      facebook_id: 'fb-empty',
      facebook_name: 'Zoé',
    });
    expect(res.status).toBe(401);
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it.each([
    ['419', 'fr'],
    ['(null)', 'fr'],
    ['FRA', 'fr'],
    ['', 'fr'],
    ['be', 'be'],
  ])('when iOS logs in with country_code=%j then 200 and the country is %j', async (code, stored) => {
    const { id, email, password: pw } = await createUser({ countryCode: 'fr' });
    await iosBody(
      request(t.app).post('/login'),
      `email=${email}&password=${pw}&os=ios&reg_id=(null)&app_version=2.2&country_code=${code}`,
    ).expect(200);
    expect((await User.findById(id).lean())!.country_code).toBe(stored);
  });

  it('when a user with a device logs in then os, reg_id, app_version, country and last login are recorded', async () => {
    const {
      id,
      email,
      password: pw,
    } = await createUser({ phone: '0033600000101', os: 'android', regId: 'old' });
    await iosBody(
      request(t.app).post('/login'),
      `email=${email}&password=${pw}&os=ios&reg_id=${'ab'.repeat(32)}&app_version=2.2&country_code=FR`,
    ).expect(200);
    const user = await User.findById(id).lean();
    expect(user!.device).toEqual({
      phone: '0033600000101',
      os: 'ios',
      reg_id: 'ab'.repeat(32),
      app_version: '2.2',
    });
    expect(user!.country_code).toBe('fr');
    expect(user!.last_login).toBeInstanceOf(Date);

    await iosBody(request(t.app).post('/login'), `email=${email}&password=${pw}&os=ios&reg_id=(null)`).expect(
      200,
    );
    const after = await User.findById(id).lean();
    expect(after!.device).toEqual({ phone: '0033600000101', os: 'ios', reg_id: '', app_version: '2.2' });
    expect(after!.country_code).toBe('fr');
  });

  it('when a user without a device logs in then no device is made up', async () => {
    const { id, email, password: pw } = await createUser();
    await androidBody(request(t.app).post('/login'), loginFields(email, pw)).expect(200);
    expect((await User.findById(id).lean())!.device).toBeUndefined();
  });

  it('when a phone logs in again over its session then it gets a new id, and the old one keeps working', async () => {
    const { email, password: pw } = await createUser();
    const first = sessionCookieOf(
      await androidBody(request(t.app).post('/login'), loginFields(email, pw)).expect(200),
    );
    await request(t.app).get('/get_address_book').set('Cookie', first).expect(200);
    const second = sessionCookieOf(
      await androidBody(request(t.app).post('/login').set('Cookie', first), loginFields(email, pw)).expect(
        200,
      ),
    );
    expect(second).not.toBe(first);
    // The requests the phone fired in parallel with its login still carry the first one.
    await request(t.app).get('/get_address_book').set('Cookie', first).expect(200);
    await request(t.app).get('/get_address_book').set('Cookie', second).expect(200);
    await request(t.app).post('/logout').set('Cookie', first).expect(200);
    await request(t.app).get('/get_address_book').set('Cookie', first).expect(401);
    await request(t.app).get('/get_address_book').set('Cookie', second).expect(200);
  });

  it("when a login arrives with another user's session then that session is not upgraded and stays theirs", async () => {
    const a = await createUser();
    const b = await createUser();
    const cookieA = sessionCookieOf(
      await androidBody(request(t.app).post('/login'), loginFields(a.email, a.password)).expect(200),
    );
    const resB = await androidBody(
      request(t.app).post('/login').set('Cookie', cookieA),
      loginFields(b.email, b.password),
    ).expect(200);
    const cookieB = sessionCookieOf(resB);
    expect(cookieB).not.toBe(cookieA);
    const sidOf = (c: string) => decodeURIComponent(c.split('=')[1]!).slice(2).split('.')[0]!;
    const stored = await SessionRecord.find({ _id: { $in: [sidOf(cookieA), sidOf(cookieB)] } }).lean();
    expect(Object.fromEntries(stored.map((d) => [d._id, d.user_id]))).toEqual({
      [sidOf(cookieA)]: a.id,
      [sidOf(cookieB)]: b.id,
    });
  });

  it('when the cookie is set then it is HttpOnly, path /, not Secure, without Domain', async () => {
    const { email, password: pw } = await createUser();
    const res = await androidBody(request(t.app).post('/login'), loginFields(email, pw)).expect(200);
    const cookie = (res.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('session='))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).not.toMatch(/Secure|Domain=/i);
  });
});

describe('legacy passwords', () => {
  it('when an imported user logs in with the raw hex then it works and the hex is replaced by bcrypt', async () => {
    const { id, email, password: pw } = await createUser({ legacy: true });
    secrets.add(pw);
    await androidBody(request(t.app).post('/login'), loginFields(email, pw)).expect(200);
    const user = await User.findById(id).select('+password +legacy_password').lean();
    expect(user!.legacy_password).toBeUndefined();
    expect(user!.password).toMatch(/^\$2[aby]\$/);
    await androidBody(request(t.app).post('/login'), loginFields(email, pw)).expect(200);
  });

  it('when an imported user gives a wrong password then 401 and the legacy value stays', async () => {
    const { id, email, password: pw } = await createUser({ legacy: true });
    await androidBody(request(t.app).post('/login'), loginFields(email, wrongPassword(pw))).expect(401);
    const user = await User.findById(id).select('+password +legacy_password').lean();
    expect(user!.legacy_password).toBe(pw);
    expect(user!.password).toBeUndefined();
  });
});

describe('Facebook login', () => {
  it('when it is off (the default) then a facebook_id alone logs nobody in and creates nothing', async () => {
    await createUser({ facebookId: 'fb-1' });
    const res = await androidBody(request(t.app).post('/login'), {
      email: '',
      os: 'android',
      reg_id: '',
      facebook_id: 'fb-1',
    });
    expect(res.status).toBe(401);
    const withPw = await androidBody(request(t.app).post('/login'), {
      ...loginFields('fb-2@pictever.com', password('fb')),
      facebook_id: 'fb-2',
    });
    expect(withPw.status).toBe(401);
    expect(await User.countDocuments({ facebook_id: 'fb-2' })).toBe(0);
  });

  it('when an operator enables it then the original behaviour applies: create, then find by id', async () => {
    const legacy = buildTestApp({ FACEBOOK_LOGIN: 'legacy' });
    const fields = { email: '', os: 'ios', reg_id: '', facebook_id: 'FB777', facebook_name: 'Zoé' };
    const first = await androidBody(request(legacy.app).post('/login'), fields).expect(200);
    const user = await User.findOne({ facebook_id: 'FB777' }).lean();
    expect(user).toMatchObject({ email: 'fb777@pictever.com', facebook_name: 'Zoé' });
    const again = await androidBody(request(legacy.app).post('/login'), fields).expect(200);
    expect(again.body.user_id).toBe(first.body.user_id);

    const passwordless = await User.create({ email: 'fb-only@example.com', country_code: 'us' });
    const attached = await androidBody(request(legacy.app).post('/login'), {
      ...fields,
      email: 'fb-only@example.com',
      facebook_id: 'FB888',
    });
    expect(attached.body.user_id).toBe(passwordless._id.toHexString());
    expect((await User.findById(passwordless._id).lean())!.facebook_id).toBe('FB888');
  });

  it('when it is enabled and the email belongs to an account with a password then 401 and nothing is attached', async () => {
    const legacy = buildTestApp({ FACEBOOK_LOGIN: 'legacy' });
    for (const legacyPassword of [false, true]) {
      const { id, email } = await createUser({ legacy: legacyPassword });
      const res = await androidBody(request(legacy.app).post('/login'), {
        email,
        os: 'android',
        reg_id: '',
        facebook_id: `FB-takeover-${String(legacyPassword)}`,
      });
      expect(res.status).toBe(401);
      expect(res.headers['set-cookie']).toBeUndefined();
      expect((await User.findById(id).lean())!.facebook_id).toBe('');
    }
  });
});

describe('POST /logout', () => {
  it('when a logged-in user logs out then protected routes answer 401', async () => {
    const { email, password: pw } = await createUser();
    const agent = await loginAgent(t.app, email, pw);
    await agent.get('/get_address_book').expect(200);
    await agent.post('/logout').expect(200);
    await agent.get('/get_address_book').expect(401);
  });

  it('when nobody is logged in then logout is still 200', async () => {
    await request(t.app).post('/logout').expect(200);
  });
});

describe('logs', () => {
  it('when this file is done then no log line holds a password or a password hash', () => {
    secrets.expectNoneIn(t.logLines);
  });
});
