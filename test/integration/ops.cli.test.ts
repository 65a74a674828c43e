/**
 * The operator's console from the command line (`npm run admin -- status|peaks|failures|
 * requeue|test-push|pause|resume|revoke-sessions`, scripts/admin/ops/), run as a child
 * process against the test database as an operator runs it: the text and --json answers,
 * what each action changed and the action log naming `cli@<dyno or host>`, and the exit
 * codes (0 done, 1 failed, 2 usage).
 */
import os from 'node:os';
import { Types } from 'mongoose';
import { LAG_BUCKETS_MS, tokenFingerprint } from '../../src/domain/opsFigures';
import { HOUR_MS, DAY_MS } from '../../src/domain/time';
import { OpsAction } from '../../src/models/opsAction';
import { DELIVERY_SWITCH, OpsSwitch } from '../../src/models/opsSwitch';
import { PushJob, PushSchedule } from '../../src/models/pushJob';
import { PushOutcome } from '../../src/models/pushOutcome';
import { PushRequeue } from '../../src/models/pushRequeue';
import { SessionRecord } from '../../src/models/session';
import { WorkerBeat, WorkerState } from '../../src/models/workerBeat';
import { useTestDatabase } from '../helpers/db';
import { createUser } from '../helpers/factories';
import { FCM_ANSWERS, startFakeFcm, type FakeFcm } from '../helpers/fakeFcm';
import { failedPush, queuedPush, runAdmin, workerBeat, workerState } from '../helpers/opsCli';

const db = useTestDatabase();
jest.setTimeout(90_000);

const DYNO = 'run.4242';
const BY = `cli@${DYNO}`;

/** The command on a one-off dyno named DYNO (unless `env` says otherwise). */
const admin = (args: string[], env: Record<string, string> = {}) =>
  runAdmin(db.uri(), args, { DYNO, ...env });

beforeEach(async () => {
  await Promise.all(
    [
      OpsAction,
      OpsSwitch,
      PushJob,
      PushSchedule,
      PushOutcome,
      PushRequeue,
      WorkerBeat,
      WorkerState,
      SessionRecord,
    ].map((m) => (m as typeof OpsAction).deleteMany({})),
  );
});

describe('admin status', () => {
  it('when there is a backlog, a paused switch and two workers then it shows them, as text and as JSON', async () => {
    const now = Date.now();
    await PushJob.insertMany([
      queuedPush(new Date(now - 5 * 60_000)),
      queuedPush(new Date(now - 60_000)),
      queuedPush(new Date(now - 1_000)),
      queuedPush(new Date(now + 10 * 60_000)),
    ]);
    await OpsSwitch.create({ _id: DELIVERY_SWITCH, paused: true, by: 'operator-abc123', at: new Date(now) });
    const lag = new Array<number>(LAG_BUCKETS_MS.length + 1).fill(0);
    lag[2] = 10; // ten pushes sent within 100-250 ms
    await WorkerBeat.insertMany([
      workerBeat('w-alive', 5_000, {
        dyno: 'worker.1',
        paused: true,
        interval: { deliveries: { 'sent:fcm': 10, 'failed:apns': 2 }, lag: { counts: lag } },
      }),
      workerBeat('w-gone', 10 * 60_000),
    ]);
    await WorkerState.insertMany([
      workerState('w-alive', 5_000, {
        dyno: 'worker.1',
        paused: true,
        jobs: [
          {
            name: 'sweep',
            last: { at: new Date(now - 60_000), ok: true, result: '3 swept', ms: 12 },
            next_at: new Date(now + 60_000),
          },
        ],
      }),
      workerState('w-gone', 10 * 60_000),
    ]);

    const [text, json] = await Promise.all([admin(['status']), admin(['status', '--json'])]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/pushes waiting now +3\n/);
    expect(text.stdout).toMatch(/oldest due +5 min ago/);
    expect(text.stdout).toMatch(/lag p50 \/ p99 +175 ms \/ 249 ms \(last hour, 10 sent\)/);
    expect(text.stdout).toMatch(/delivery +PAUSED by operator-abc123 at \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ/);
    expect(text.stdout).toMatch(/Pushes in the last hour:\n +sent +fcm +10\n +failed +apns +2\n/);
    expect(text.stdout).toMatch(/worker\.1 w-alive +alive, paused +last beat .* \(\d+ s ago\)/);
    expect(text.stdout).toMatch(/w-gone +GONE/);
    expect(text.stdout).toMatch(/sweep +last .* ok: 3 swept +next /);

    expect(json.code).toBe(0);
    const status = JSON.parse(json.stdout);
    expect(status).toMatchObject({
      backlog: 3,
      lag_ms: { p50: 175, p99: 249, sent: 10 },
      delivery: { paused: true, by: 'operator-abc123' },
      outcomes: {
        hour: [
          { outcome: 'sent', provider: 'fcm', count: 10 },
          { outcome: 'failed', count: 2 },
        ],
      },
    });
    expect(status.oldest_due_s).toBeGreaterThanOrEqual(300);
    expect(status.workers.map((w: { worker: string; alive: boolean }) => [w.worker, w.alive])).toEqual([
      ['w-alive', true],
      ['w-gone', false],
    ]);
    expect(status.jobs[0]).toMatchObject({ name: 'sweep', last: { ok: true, result: '3 swept' } });
  });
});

describe('admin peaks', () => {
  it('when pushes fall due in 3 hours and in 10 days then it draws both, scaled to the busiest, and --json has every bucket', async () => {
    const now = Date.now();
    const inHours = new Date(now + 3 * HOUR_MS + 60_000);
    const inDays = new Date(now + 10 * DAY_MS);
    await PushSchedule.insertMany([
      ...Array.from({ length: 4 }, () => queuedPush(inHours)),
      ...Array.from({ length: 2 }, () => queuedPush(inDays)),
    ]);
    await PushJob.insertMany([queuedPush(inHours)]); // both collections are counted

    const [text, json] = await Promise.all([admin(['peaks']), admin(['peaks', '--json'])]);
    expect(text.code).toBe(0);
    const hour = inHours.toISOString().slice(0, 13).replace('T', ' ');
    const day = inDays.toISOString().slice(0, 10);
    expect(text.stdout).toContain('7 pushes due in the next 60 days.');
    expect(text.stdout).toMatch(new RegExp(`Next 48 hours, per hour \\(UTC\\):\\n  ${hour}:00  5  #{40}\\n`));
    expect(text.stdout).toMatch(new RegExp(`\\n  ${day}  2  #{16}\\n`));
    // Only hours and days with pushes due are printed.
    expect(text.stdout.split('\n').filter((l) => l.startsWith('  '))).toHaveLength(3);

    const peaks = JSON.parse(json.stdout);
    expect(peaks.total).toBe(7);
    expect(peaks.hours).toHaveLength(48);
    expect(peaks.days).toHaveLength(60);
    expect(peaks.hours.find((h: { count: number }) => h.count > 0)).toEqual({
      start: `${hour}:00:00.000Z`.replace(' ', 'T'),
      count: 5,
    });
  });

  it('when nothing is due then it says so', async () => {
    await PushSchedule.insertMany([queuedPush(new Date(Date.now() + 90 * DAY_MS))]); // past the window
    const run = await admin(['peaks']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('Nothing due in the next 60 days.\n');
  });
});

describe('admin failures', () => {
  it('when filtered by a reason then only those are listed, newest first, with who requeued them', async () => {
    const older = failedPush({ reason: 'r-a', at: new Date(Date.now() - 60_000) });
    const newer = failedPush({ reason: 'r-a', outcome: 'dead_token', at: new Date(Date.now() - 30_000) });
    const other = failedPush({ reason: 'r-b' }); // the newest
    await PushOutcome.insertMany([older, newer, other]);
    await PushRequeue.create({
      _id: older._id,
      job_id: new Types.ObjectId(),
      by: 'operator-abc123',
      at: new Date(),
    });

    const [text, json] = await Promise.all([
      admin(['failures', '--reason', 'r-a']),
      admin(['failures', '--json', '--limit', '1']),
    ]);
    expect(text.code).toBe(0);
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ {2}push id +at +outcome +provider +message +requeued +reason$/);
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(
      new RegExp(`^  ${newer._id} .* dead_token +fcm +${newer.message_id.toHexString()} +- +r-a$`),
    );
    expect(lines[2]).toMatch(new RegExp(`^  ${older._id} .* failed .* requeued by operator-abc123 +r-a$`));
    expect(text.stdout).not.toContain(other._id);

    expect(json.code).toBe(0);
    const listed = JSON.parse(json.stdout);
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ id: other._id, outcome: 'failed', reason: 'r-b', provider: 'fcm' });
  });
});

describe('admin requeue', () => {
  it('when given a failed push id then a job for its message is queued and the action names the dyno', async () => {
    const f = failedPush();
    await PushOutcome.create(f);
    const run = await admin(['requeue', f._id]);
    expect(run.code).toBe(0);
    const jobs = await PushJob.find({ message_id: f.message_id }).lean();
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ kind: 'message', user_id: f.user_id, due_at: f.due_at });
    expect(run.stdout).toBe(`push ${f._id}: requeued, job ${jobs[0]!._id.toHexString()}\n`);
    expect((await PushRequeue.findById(f._id).lean())?.by).toBe(BY);
    expect(await OpsAction.findOne({ action: 'requeue' }).lean()).toMatchObject({
      by: BY,
      target: `push ${f._id} (message ${f.message_id.toHexString()})`,
      ok: true,
    });
  });

  it('when given a message id then its failed pushes are requeued and its dead-token ones are not', async () => {
    const message_id = new Types.ObjectId();
    const failed = failedPush({ message_id, at: new Date(Date.now() - 60_000) });
    const dead = failedPush({ message_id, outcome: 'dead_token', reason: 'UNREGISTERED' });
    await PushOutcome.insertMany([failed, dead, failedPush()]);
    const run = await admin(['requeue', message_id.toHexString(), '--json']);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({
      message_id: message_id.toHexString(),
      results: [
        { id: dead._id, state: 'not requeueable' },
        { id: failed._id, state: 'requeued' },
      ],
      counts: { requeued: 1, 'not requeueable': 1 },
    });
    expect(await PushJob.countDocuments()).toBe(1);
    expect((await PushJob.findOne().lean())?._id.toHexString()).toBe(result.results[1].job_id);
    expect(await OpsAction.findOne({ action: 'requeue' }).lean()).toMatchObject({
      by: BY,
      target: `message ${message_id.toHexString()}`,
      result: '1 requeued, 1 not requeueable',
    });
  });

  it('when given --reason over more than a page then every failure of it is queued, with progress on stderr', async () => {
    const many = Array.from({ length: 205 }, (_, i) =>
      failedPush({ reason: 'r-big', at: new Date(Date.now() - i * 1_000) }),
    );
    await PushOutcome.insertMany([...many, failedPush({ reason: 'r-other' })]);
    const run = await admin(['requeue', '--reason', 'r-big']);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('requeue: 200 failed pushes done\n');
    expect(run.stdout).toBe('205 failed pushes of the reason "r-big": 205 requeued\n');
    expect(await PushJob.countDocuments()).toBe(205);
    expect(await OpsAction.findOne({ action: 'requeue-all' }).lean()).toMatchObject({
      by: BY,
      target: 'reason "r-big"',
      result: '205 requeued',
    });
  });

  it('when given --all then the failed pushes of every reason are queued, and the dead-token ones are not', async () => {
    await PushOutcome.insertMany([
      failedPush({ reason: 'r-a' }),
      failedPush({ reason: 'r-b' }),
      failedPush({ reason: 'UNREGISTERED', outcome: 'dead_token' }),
    ]);
    const run = await admin(['requeue', '--all', '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      found: 2,
      counts: { requeued: 2, 'queued already': 0, 'delivered already': 0, 'not requeueable': 0 },
    });
    expect(await PushJob.countDocuments()).toBe(2);
    expect(await OpsAction.findOne({ action: 'requeue-all' }).lean()).toMatchObject({
      by: BY,
      target: 'every reason',
    });
  });

  it('when the id names no failed push nor message then it exits 1 and queues nothing', async () => {
    const sent = { ...failedPush(), outcome: 'sent' as const, reason: undefined };
    await PushOutcome.create(sent);
    const run = await admin(['requeue', sent._id]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`no failed push, nor a message with failed pushes, with the id ${sent._id}\n`);
    expect(run.stdout).toBe('');
    expect(await PushJob.countDocuments()).toBe(0);
  });
});

describe('admin test-push', () => {
  let fcm: FakeFcm;
  beforeAll(async () => {
    fcm = await startFakeFcm();
  });
  afterAll(() => fcm.close());
  const fcmEnv = () => ({
    FCM_CREDENTIALS: fcm.credentials,
    FCM_API_URL: fcm.url,
    NODE_EXTRA_CA_CERTS: fcm.caFile,
  });

  it('when FCM is configured then one push reaches the token, its answer is printed and the token never is', async () => {
    const token = `cli-test-${'a'.repeat(140)}`;
    const run = await admin(['test-push', 'fcm', token, '--json'], fcmEnv());
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const answer = JSON.parse(run.stdout);
    expect(answer).toMatchObject({ provider: 'fcm', token: tokenFingerprint(token), ok: true });
    expect(answer.answer).toMatch(/^sent: accepted, id projects\/pictever-test\/messages\/\d+$/);
    expect(fcm.forToken(token)).toHaveLength(1);
    expect(run.stdout).not.toContain(token);
    const action = await OpsAction.findOne({ action: 'test-push' }).lean();
    expect(action).toMatchObject({ by: BY, target: `fcm ${tokenFingerprint(token)}`, ok: true });
  });

  it('when the provider refuses the token then its answer is printed and the exit code is 1', async () => {
    const token = `cli-dead-${'b'.repeat(140)}`;
    fcm.script(token, [FCM_ANSWERS.unregistered]);
    const run = await admin(['test-push', 'fcm', token], fcmEnv());
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(new RegExp(`^fcm ${tokenFingerprint(token)}: dead_token: .*UNREGISTERED`));
    expect(run.stdout + run.stderr).not.toContain(token);
  });

  it('when the provider is not configured then it says so, sends nothing and exits 1', async () => {
    const token = `cli-none-${'c'.repeat(140)}`;
    const before = fcm.requests.length;
    const run = await admin(['test-push', 'apns', token]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(
      `apns ${tokenFingerprint(token)}: not configured: APNS_KEY is not set, nothing was sent\n`,
    );
    expect(run.stdout + run.stderr).not.toContain(token);
    expect(fcm.requests.length).toBe(before);
    expect((await OpsAction.findOne({ action: 'test-push' }).lean())?.ok).toBe(false);
  });
});

describe('admin pause and resume', () => {
  it('when paused then resumed then the switch follows and both are recorded as cli@<host> without a DYNO', async () => {
    const by = `cli@${os.hostname()}`;
    const paused = await admin(['pause'], { DYNO: '' });
    expect(paused.code).toBe(0);
    expect(paused.stdout).toMatch(
      new RegExp(`^delivery paused by ${by} at .*: workers claim nothing until resume\\n$`),
    );
    expect(await OpsSwitch.findById(DELIVERY_SWITCH).lean()).toMatchObject({ paused: true, by });

    const resumed = await admin(['resume', '--json']);
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ paused: false, by: BY });
    expect(await OpsSwitch.findById(DELIVERY_SWITCH).lean()).toMatchObject({ paused: false, by: BY });
    const status = await admin(['status']);
    expect(status.stdout).toMatch(new RegExp(`delivery +running \\(resumed by ${BY} at `));
    const actions = await OpsAction.find().sort({ at: 1 }).lean();
    expect(actions.map((a) => [a.action, a.by])).toEqual([
      ['pause', by],
      ['resume', BY],
    ]);
  });
});

describe('admin revoke-sessions', () => {
  it("when given an email then that account's sessions end and the others' stay", async () => {
    const [sam, rita] = [await createUser(), await createUser()];
    const expires = new Date(Date.now() + DAY_MS);
    await SessionRecord.insertMany([
      { _id: 's1', user_id: sam.id, expires },
      { _id: 's2', user_id: sam.id, expires },
      { _id: 's3', user_id: rita.id, expires },
    ]);
    const run = await admin(['revoke-sessions', sam.email.toUpperCase()]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`ended 2 sessions of user ${sam.id}\n`);
    expect((await SessionRecord.find().lean()).map((s) => s._id)).toEqual(['s3']);
    expect(await OpsAction.findOne({ action: 'revoke-sessions' }).lean()).toMatchObject({
      by: BY,
      target: `user ${sam.id}`,
      result: '2 sessions ended',
    });
  });

  it('when the account does not exist then it exits 1 and says so', async () => {
    const run = await admin(['revoke-sessions', 'nobody@example.com', '--json']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('no account with the email or id nobody@example.com\n');
  });
});

describe('admin usage errors', () => {
  it('when a flag is unknown, an argument missing or malformed then each exits 2 with its reason and the usage', async () => {
    const cases: [string[], string][] = [
      [['status', '--verbose'], "Unknown option '--verbose'"],
      [['requeue'], 'give one push or message id, or --reason R, or --all'],
      [['requeue', 'not-an-id'], 'the id must be 24 hex digits'],
      [['requeue', '--all', '--reason', 'r-a'], 'give one push or message id, or --reason R, or --all'],
      [['requeue', '--reason', 'x'.repeat(501)], '--reason must be at most 500 characters'],
      [['failures', '--limit', 'ten'], '--limit must be a whole number'],
      [['test-push', 'sms', 'token'], 'provider: Invalid option'],
      [['revoke-sessions', 'nobody'], 'the account must be an email or a user id'],
    ];
    const runs = await Promise.all(cases.map(([args]) => admin(args)));
    runs.forEach((run, i) => {
      const [args, reason] = cases[i]!;
      expect({ args, code: run.code, stdout: run.stdout }).toEqual({ args, code: 2, stdout: '' });
      expect(run.stderr).toContain(reason);
      expect(run.stderr).toContain(`usage: npm run admin -- ${args[0]} `);
    });
    expect(await OpsAction.countDocuments()).toBe(0);
  });
});
