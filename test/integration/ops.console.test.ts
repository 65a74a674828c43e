/**
 * The operator's console over HTTP (README "Operating"): 404 without OPERATOR_TOKEN, the
 * sign-in and its cookie, wrong tokens (401, then 429), actions refused without a session
 * or its CSRF field or from another site, and each action recorded with its operator.
 */
import { Types } from 'mongoose';
import request from 'supertest';
import { OpsAction } from '../../src/models/opsAction';
import { OpsSession } from '../../src/models/opsSession';
import { DELIVERY_SWITCH, OpsSwitch } from '../../src/models/opsSwitch';
import { PushJob } from '../../src/models/pushJob';
import { PushOutcome } from '../../src/models/pushOutcome';
import { PushRequeue } from '../../src/models/pushRequeue';
import { RateHit } from '../../src/models/rateHit';
import { setDeliveryPaused } from '../../src/services/ops/pause';
import { buildTestApp } from '../helpers/app';
import { useTestDatabase } from '../helpers/db';
import { failedPush } from '../helpers/opsCli';
import { buttonsOf, OPS_TOKEN, signedInAgent, textOf } from '../helpers/opsConsole';

useTestDatabase();

beforeEach(async () => {
  await Promise.all(
    [OpsAction, OpsSession, OpsSwitch, PushJob, PushOutcome, PushRequeue, RateHit].map((m) =>
      (m as typeof OpsAction).deleteMany({}),
    ),
  );
});

const env = { OPERATOR_TOKEN: OPS_TOKEN };

describe('the operator console: access', () => {
  it('when no OPERATOR_TOKEN is set then every /ops path answers 404', async () => {
    const { app } = buildTestApp();
    await request(app).get('/ops').expect(404);
    await request(app).post('/ops/sign-in').type('form').send({ token: 'x' }).expect(404);
    await request(app).post('/ops/pause').type('form').send({}).expect(404);
  });

  it('when not signed in then /ops is the sign-in form under a strict CSP', async () => {
    const { app } = buildTestApp(env);
    const res = await request(app).get('/ops').expect(200);
    expect(res.text).toContain('<label for="token">Operator token</label>');
    expect(res.text).toContain('>Sign in</button>');
    expect(res.text).not.toContain('Queue');
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.headers['content-security-policy']).not.toContain('script-src');
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('when the token is right then an HttpOnly SameSite=Strict cookie of limited life is set for /ops', async () => {
    const { app } = buildTestApp({ ...env, OPERATOR_SESSION_MINUTES: '30' });
    const res = await request(app).post('/ops/sign-in').type('form').send({ token: OPS_TOKEN }).expect(303);
    expect(res.headers.location).toBe('/ops');
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/^ops=[\w-]{43}; Max-Age=1800; Path=\/ops; HttpOnly; SameSite=Strict$/);
    // Only the cookie's hash is stored.
    const value = /^ops=([\w-]+)/.exec(cookie)![1]!;
    const stored = await OpsSession.find().lean();
    expect(stored).toHaveLength(1);
    expect(JSON.stringify(stored)).not.toContain(value);
    expect(await OpsAction.countDocuments({ action: 'sign-in' })).toBe(1);
  });

  it('when the token is wrong then 401 with the form again, and the token is never logged', async () => {
    const { app, logLines } = buildTestApp(env);
    const res = await request(app)
      .post('/ops/sign-in')
      .type('form')
      .send({ token: `${OPS_TOKEN}x` })
      .expect(401);
    expect(res.text).toContain('role="alert"');
    expect(res.text).toContain('Wrong operator token.');
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(logLines.join('')).not.toContain(OPS_TOKEN);
  });

  it('when one address keeps guessing then 429 with Retry-After, even for the right token', async () => {
    const { app } = buildTestApp({ ...env, OPERATOR_SIGNIN_FAILURES: '3' });
    for (let i = 0; i < 3; i++)
      await request(app)
        .post('/ops/sign-in')
        .type('form')
        .send({ token: `guess${i}` })
        .expect(401);
    const res = await request(app).post('/ops/sign-in').type('form').send({ token: OPS_TOKEN }).expect(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(res.text).toContain('Too many wrong tokens');
  });

  it('when the token is longer than any token then 400 before any comparison', async () => {
    const { app } = buildTestApp(env);
    const res = await request(app)
      .post('/ops/sign-in')
      .type('form')
      .send({ token: 'x'.repeat(2000) })
      .expect(400);
    expect(res.text).toMatch(/token/);
  });

  it('when the operator token changes then the sessions signed in with the old one end', async () => {
    const { app } = buildTestApp(env);
    const ops = await signedInAgent(app);
    const other = buildTestApp({ OPERATOR_TOKEN: `${OPS_TOKEN}-rotated` });
    const cookie = (await ops.agent.get('/ops')).request.getHeader('cookie');
    const res = await request(other.app).get('/ops').set('cookie', String(cookie)).expect(200);
    expect(res.text).toContain('Operator token');
  });

  it('when an action comes without a session, without the CSRF field, or from another site then it is refused', async () => {
    const { app } = buildTestApp(env);
    await request(app).post('/ops/pause').type('form').send({}).expect(401);
    const ops = await signedInAgent(app);
    await ops.agent.post('/ops/pause').type('form').send({}).expect(403);
    await ops.agent
      .post('/ops/pause')
      .type('form')
      .send({ csrf: 'x'.repeat(43) })
      .expect(403);
    await ops.agent
      .post('/ops/pause')
      .set('origin', 'https://evil.example')
      .type('form')
      .send({ csrf: ops.csrf })
      .expect(403);
    expect(await OpsSwitch.countDocuments()).toBe(0);
  });

  it('when signed out then the session is gone and the page is the sign-in form again', async () => {
    const { app } = buildTestApp(env);
    const ops = await signedInAgent(app);
    await ops.post('/ops/sign-out').expect(303);
    expect(await OpsSession.countDocuments()).toBe(0);
    expect(await ops.page()).toContain('Operator token');
    await ops.post('/ops/pause').expect(401);
  });
});

describe('the operator console: actions', () => {
  it('when signed in then the page has the four sections and every action button', async () => {
    const { app } = buildTestApp(env);
    const ops = await signedInAgent(app);
    const page = await ops.page();
    for (const heading of ['Queue', 'Coming peaks', 'Failures', 'Workers'])
      expect(page).toMatch(new RegExp(`<h2 id="[\\w-]+">${heading}</h2>`));
    expect(buttonsOf(page)).toEqual(
      expect.arrayContaining([
        'Requeue all',
        'Send a test push',
        'Pause delivery',
        'Resume delivery',
        'Sign out',
      ]),
    );
  });

  it('when delivery is paused and resumed then the switch follows and both actions are shown with their operator', async () => {
    const { app } = buildTestApp(env);
    const ops = await signedInAgent(app);
    await ops.post('/ops/pause').expect(303);
    expect((await OpsSwitch.findById(DELIVERY_SWITCH).lean())?.paused).toBe(true);
    let page = await ops.page();
    expect(textOf(page)).toMatch(/Delivery paused by operator-[0-9a-f]{6} at /);
    await ops.post('/ops/resume').expect(303);
    expect((await OpsSwitch.findById(DELIVERY_SWITCH).lean())?.paused).toBe(false);
    page = await ops.page();
    expect(textOf(page)).toContain('Delivery running');
    const actions = await OpsAction.find({ action: { $in: ['pause', 'resume'] } })
      .sort({ at: 1 })
      .lean();
    expect(actions.map((a) => a.action)).toEqual(['pause', 'resume']);
    expect(actions[0]!.by).toMatch(/^operator-[0-9a-f]{6}$/);
    expect(textOf(page)).toContain('Last action: resume all workers: delivery resumed');
  });

  it('when a failed push is requeued then a job for its message is queued once, however often it is asked', async () => {
    const { app } = buildTestApp(env);
    const ops = await signedInAgent(app);
    const f = failedPush();
    await PushOutcome.create(f);
    expect(await ops.page()).toContain(`name="id" value="${f._id}"`);
    await ops.post('/ops/requeue', { id: f._id }).expect(303);
    await ops.post('/ops/requeue', { id: f._id }).expect(303);
    const jobs = await PushJob.find({ message_id: f.message_id }).lean();
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ kind: 'message', user_id: f.user_id, due_at: f.due_at });
    expect(jobs[0]!.label).toBeUndefined();
    const marker = await PushRequeue.findById(f._id).lean();
    expect(marker?.job_id.toHexString()).toBe(jobs[0]!._id.toHexString());
    const page = await ops.page();
    expect(page).toContain('requeued by operator-');
    expect(page).toContain('queued already');
  });

  it('when a requeued push was delivered then requeueing it again queues nothing', async () => {
    const { app } = buildTestApp(env);
    const ops = await signedInAgent(app);
    const f = failedPush();
    await PushOutcome.create(f);
    await ops.post('/ops/requeue', { id: f._id }).expect(303);
    const job = (await PushJob.findOne({ message_id: f.message_id }).lean())!;
    await PushOutcome.create({
      ...failedPush(),
      _id: job._id.toHexString(),
      outcome: 'sent',
      reason: undefined,
    });
    await PushJob.deleteOne({ _id: job._id });
    await ops.post('/ops/requeue', { id: f._id }).expect(303);
    expect(await PushJob.countDocuments({ message_id: f.message_id })).toBe(0);
    expect(await ops.page()).toContain('delivered already');
  });

  it('when "Requeue all" is used with a reason then only the failed message pushes of that reason are queued', async () => {
    const { app } = buildTestApp(env);
    const ops = await signedInAgent(app);
    const a = [
      failedPush({ reason: 'r-a' }),
      failedPush({ reason: 'r-a' }),
      failedPush({ reason: 'r-a', outcome: 'dead_token' }),
    ];
    const b = failedPush({ reason: 'r-b' });
    await PushOutcome.insertMany([...a, b]);
    const filtered = await ops.page('/ops?reason=r-a');
    expect(filtered).toMatch(/<option value="r-a"\s+selected\s*>/);
    expect(filtered).not.toContain(`value="${b._id}"`);
    await ops.post('/ops/requeue-all', { reason: 'r-a' }).expect(303);
    expect(await PushJob.countDocuments()).toBe(2);
    expect(await PushJob.countDocuments({ message_id: b.message_id })).toBe(0);
    expect((await OpsAction.findOne({ action: 'requeue-all' }).lean())?.result).toBe('2 requeued');
  });

  it('when the id or the reason is malformed or unknown then a 4xx with a reason and nothing queued', async () => {
    const { app } = buildTestApp(env);
    const ops = await signedInAgent(app);
    expect((await ops.post('/ops/requeue', { id: 'nope' }).expect(400)).text).toMatch(/id/);
    expect(
      (await ops.post('/ops/requeue', { id: new Types.ObjectId().toHexString() }).expect(404)).text,
    ).toMatch(/no failed push/);
    await ops.post('/ops/requeue-all', { reason: 'x'.repeat(600) }).expect(400);
    await ops.agent.get(`/ops?reason=${'y'.repeat(600)}`).expect(400);
    expect(await PushJob.countDocuments()).toBe(0);
  });

  it('when the test push provider is not configured then the page says so and nothing is sent', async () => {
    const { app, logLines } = buildTestApp(env);
    const ops = await signedInAgent(app);
    const token = 'f'.repeat(152);
    await ops.post('/ops/test-push', { provider: 'fcm', token }).expect(303);
    const page = await ops.page();
    expect(page).toContain('not configured: FCM_CREDENTIALS is not set');
    expect(page).not.toContain(token);
    expect(logLines.join('')).not.toContain(token);
    await ops.post('/ops/test-push', { provider: 'sms', token }).expect(400);
    await ops.post('/ops/test-push', { provider: 'apns', token: 'a b' }).expect(400);
  });
});

describe('the pause switch, raced', () => {
  it('when twenty operators pause at once on a fresh database then every one succeeds and the switch is paused', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => setDeliveryPaused(true, `operator-${i}`, new Date())),
    );
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(await OpsSwitch.countDocuments()).toBe(1);
    expect((await OpsSwitch.findById(DELIVERY_SWITCH).lean())?.paused).toBe(true);
    expect(await OpsAction.countDocuments({ action: 'pause' })).toBe(20);
  });
});
