import request from 'supertest';
import { User } from '../../src/models';
import { buildTestApp, type TestApp } from '../helpers/app';
import { loginFields, SentSecrets } from '../helpers/accountFixtures';
import { useTestDatabase } from '../helpers/db';
import { androidBody, createUser, iosBody } from '../helpers/factories';
import { startSmtpSink, type SmtpSink } from '../helpers/smtpSink';

useTestDatabase();
let sink: SmtpSink;
let t: TestApp;
const secrets = new SentSecrets(); // none may appear in a log line

beforeAll(async () => {
  sink = await startSmtpSink();
  t = buildTestApp({ SMTP_URL: sink.url });
});
afterAll(() => sink.close());

const password = (label: string) => secrets.password(label);

describe('POST /signup', () => {
  it('when Android signs up with a + in the email then the account is stored normalised, hashed, and welcomed in English', async () => {
    const pw = password('android');
    const res = await androidBody(request(t.app).post('/signup'), {
      email: ' Jo+Test@Example.com',
      password: pw,
    }).expect(200);
    expect(res.text).toBe('');
    const user = await User.findOne({ email: 'jo+test@example.com' }).select('+password').lean();
    expect(user).toMatchObject({ country_code: 'us' });
    expect(user!.password).toMatch(/^\$2[aby]\$04\$/);
    expect(user!.password).not.toContain(pw);
    const mail = await sink.waitFor((m) => m.to.includes('jo+test@example.com'));
    expect(mail.subject).toBe('Welcome to Pictever!');
    expect(mail.text).toContain('jo+test@example.com');
    expect(mail.text).not.toContain(pw);
  });

  it('when iOS then logs in with the + arriving as a space then it reaches the same account', async () => {
    const pw = password('cross');
    await androidBody(request(t.app).post('/signup'), {
      email: 'cross+app@example.com',
      password: pw,
    }).expect(200);
    const res = await iosBody(
      request(t.app).post('/login'),
      `email=cross+app@example.com&password=${pw}&os=ios&reg_id=(null)&app_version=2.2&country_code=FR`,
    ).expect(200);
    const user = await User.findOne({ email: 'cross+app@example.com' }).lean();
    expect(res.body.user_id).toBe(user!._id.toHexString());
  });

  it('when iOS signs up with a raw + (a space) and no content type then Android logs in with the encoded +', async () => {
    const pw = password('ios');
    await iosBody(
      request(t.app).post('/signup'),
      `email=ios+user@example.com&password=${pw}&country_code=FR`,
      'text/plain',
    ).expect(200);
    const res = await androidBody(
      request(t.app).post('/login'),
      loginFields('ios+user@example.com', pw),
    ).expect(200);
    expect(res.body.user_id).toMatch(/^[0-9a-f]{24}$/);
    expect(await User.countDocuments({ email: /^ios/ })).toBe(1);
  });

  it.each([
    ['FR', 'fr', 'Bienvenue sur Pictever !'],
    ['be', 'be', 'Bienvenue sur Pictever !'],
    ['CH', 'ch', 'Bienvenue sur Pictever !'],
    ['DE', 'de', 'Welcome to Pictever!'],
    ['(null)', 'us', 'Welcome to Pictever!'],
    // iOS sends region codes too (419: Latin America): accepted, ignored.
    ['419', 'us', 'Welcome to Pictever!'],
    ['France', 'us', 'Welcome to Pictever!'],
  ])(
    'when iOS signs up with country %s then it is stored as %s and welcomed with %j',
    async (given, stored, subject) => {
      const email = `country-${given.replace(/\W/g, '').toLowerCase()}@example.com`;
      await iosBody(
        request(t.app).post('/signup'),
        `email=${email}&password=${password(given)}&country_code=${given}`,
      ).expect(200);
      expect((await User.findOne({ email }).lean())!.country_code).toBe(stored);
      const mail = await sink.waitFor((m) => m.to.includes(email));
      expect(mail.subject).toBe(subject);
    },
  );

  it('when the email is already used, in any case or spacing, then 406 and nothing changes', async () => {
    const { email, user } = await createUser({ email: 'taken+1@example.com' });
    for (const variant of [email, 'TAKEN+1@example.com', ' taken 1@example.com ']) {
      const res = await androidBody(request(t.app).post('/signup'), {
        email: variant,
        password: password('dup'),
      });
      expect(res.status).toBe(406);
    }
    const stored = await User.find({ email: 'taken+1@example.com' }).select('+password').lean();
    expect(stored).toHaveLength(1);
    expect(stored[0]!.password).toBe(user.password);
  });

  it('when several signups race for one email then exactly one account is created', async () => {
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        androidBody(request(t.app).post('/signup'), {
          email: 'race@example.com',
          password: password(`race${i}`),
        }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 406, 406, 406, 406]);
    expect(await User.countDocuments({ email: 'race@example.com' })).toBe(1);
  });

  it.each([
    ['', 'missing field email'],
    ['email=&password=abc', 'invalid field email'],
    ['email=nobody&password=abc', 'invalid field email'],
    ['email=x@example.com', 'missing field password'],
    ['email=x@example.com&password=', 'invalid field password'],
    [`email=x@example.com&password=${'a'.repeat(201)}`, 'invalid field password'],
  ])('when the signup form is %j then 400 and nothing is stored', async (body, reason) => {
    const res = await iosBody(request(t.app).post('/signup'), body).expect(400);
    expect(res.text).toContain(reason);
    expect(await User.countDocuments({ email: 'x@example.com' })).toBe(0);
  });

  it('when the signup body is over the size limit then 413 and nothing is stored', async () => {
    const res = await iosBody(
      request(t.app).post('/signup'),
      `email=big@example.com&password=${'a'.repeat(7 * 1024 * 1024)}`,
    );
    expect(res.status).toBe(413);
    expect(await User.countDocuments({ email: 'big@example.com' })).toBe(0);
  });
});

describe('email failures', () => {
  it('when the SMTP server is unreachable then signup still answers 200 and the failure is logged without the body', async () => {
    const broken = buildTestApp({ SMTP_URL: 'smtp://127.0.0.1:1' });
    await androidBody(request(broken.app).post('/signup'), {
      email: 'nomail@example.com',
      password: password('nm'),
    }).expect(200);
    expect(await User.countDocuments({ email: 'nomail@example.com' })).toBe(1);
    await waitUntil(() => broken.logLines.some((l) => l.includes('email failed and was dropped')));
    const line = broken.logLines.find((l) => l.includes('email failed'))!;
    expect(line).toContain('"template":"welcome"');
    expect(line).not.toContain('Welcome');
  });
});

describe('logs', () => {
  it('when this file is done then no log line holds a password or a password hash', () => {
    secrets.expectNoneIn(t.logLines);
  });
});

async function waitUntil(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
