/**
 * The operator's console in real headless Chromium (README "Operating"), against the app
 * in this process, a real worker process and a fake FCM: sign in with the token (a wrong
 * one first), a backlog and a peak the test made, pause and resume, a failed push
 * requeued and delivered by the worker, a test push to the fake FCM, the workers, and
 * sign-out; on a laptop screen and on a phone. Controls are found by their accessible
 * names, as an outside test does. No request leaves the app's origin and the page logs no
 * error (it has no script; a CSP violation would be one). Screenshots go to
 * test-artifacts/screenshots/ (git-ignored).
 */
import path from 'node:path';
import { Types } from 'mongoose';
import type { Page } from 'playwright-core';
import { Message, PushJob, PushOutcome, PushSchedule, User } from '../../src/models';
import { buildTestApp, type TestApp } from '../helpers/app';
import {
  PHONE_VIEWPORT,
  horizontalOverflow,
  SCREENSHOT_DIR,
  screenshot,
  serveApp,
  useBrowser,
  type ServedApp,
} from '../helpers/browser';
import { useTestDatabase } from '../helpers/db';
import { startFakeFcm, type FakeFcm } from '../helpers/fakeFcm';
import { OPS_TOKEN } from '../helpers/opsConsole';
import { androidToken, eventually, makeReceiver, messageDoc } from '../helpers/workerFixtures';
import { startedWorker, type WorkerHandle } from '../helpers/workerProcess';
import { makeTestTls } from '../helpers/workerTls';

const db = useTestDatabase();
jest.setTimeout(120_000);

const LAPTOP = { width: 1280, height: 900 };
const HOUR_MS = 3_600_000;

let t: TestApp;
let served: ServedApp;
let fcm: FakeFcm;
let worker: WorkerHandle;
const browser = useBrowser(() => served.origin, { viewport: LAPTOP });
/** The hour of the peak the test queues, 5 hours from now. */
const peakHour = new Date(Math.floor(Date.now() / HOUR_MS) * HOUR_MS + 5 * HOUR_MS);

beforeAll(async () => {
  const tls = makeTestTls();
  fcm = await startFakeFcm(tls);
  const fcmEnv = { FCM_CREDENTIALS: fcm.credentials, FCM_API_URL: fcm.url };
  // A peak of 37 pushes in one hour, 5 hours ahead (before the first page: the peaks are
  // read again at most every 30 s).
  const user = new Types.ObjectId();
  await PushSchedule.insertMany(
    Array.from({ length: 37 }, (_, i) => ({
      kind: 'message',
      user_id: user,
      message_id: new Types.ObjectId(),
      label: 'Sent 1 year ago',
      due_at: new Date(peakHour.getTime() + 60_000 * (i + 1)),
    })),
  );
  t = buildTestApp({ OPERATOR_TOKEN: OPS_TOKEN, ...fcmEnv }, { push: { ca: [tls.ca] } });
  served = await serveApp(t.app);
  worker = await startedWorker({
    MONGODB_URI: db.uri(),
    ...fcmEnv,
    NODE_EXTRA_CA_CERTS: tls.caFile,
    WORKER_HEARTBEAT_S: '1',
    WORKER_POLL_MS: '100',
    DYNO: 'worker.1',
  });
}, 90_000);

afterAll(async () => {
  await worker?.stop();
  await served?.close();
  await fcm?.close();
});

afterEach(() => {
  expect(browser.foreignRequests()).toEqual([]);
  expect(browser.pageErrors()).toEqual([]);
});

async function signIn(token = OPS_TOKEN): Promise<Page> {
  const page = browser.page();
  await page.goto(`${served.origin}/ops`);
  await page.getByLabel('Operator token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  return page;
}

/** The text of the figure named `term` in the Queue section. */
async function figure(page: Page, term: string): Promise<string> {
  return (
    await page.locator('dt', { hasText: term }).locator('xpath=following-sibling::dd').innerText()
  ).trim();
}

/**
 * Reloads until `check` holds. A reload that fails is tried again: Chromium may swap the
 * page's renderer process under it ("Not attached to an active page", seen on a busy
 * machine right after a form's redirect).
 */
async function reloadUntil(page: Page, check: () => Promise<boolean>, what: string): Promise<void> {
  await eventually(
    async () => {
      try {
        await page.reload();
      } catch {
        return false;
      }
      return check();
    },
    15_000,
    what,
  );
}

describe('the operator console in Chromium', () => {
  it('when a wrong token is typed then the form says so; with the right one the console shows its sections', async () => {
    const page = await signIn('not the token');
    await page.getByRole('alert').filter({ hasText: 'Wrong operator token.' }).waitFor();
    await screenshot(page, 'ops-01-wrong-token');
    await page.getByLabel('Operator token').fill(OPS_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    for (const name of ['Queue', 'Coming peaks', 'Failures', 'Workers'])
      await page.getByRole('heading', { level: 2, name }).waitFor();
    const cookies = await browser.context().cookies();
    expect(cookies).toEqual([
      expect.objectContaining({ name: 'ops', httpOnly: true, sameSite: 'Strict', path: '/ops' }),
    ]);
  });

  it('when pushes are due while delivery is paused then the backlog and the coming peak show, and resuming sends them', async () => {
    const page = await signIn();
    await page.getByRole('button', { name: 'Pause delivery' }).click();
    await page.getByText('paused', { exact: true }).waitFor();
    expect(await page.getByRole('button', { name: 'Resume delivery' }).isEnabled()).toBe(true);
    // Three receivers, each with a push due a minute ago.
    const users = await Promise.all([0, 1, 2].map(() => makeReceiver({ os: 'android' })));
    await PushJob.insertMany(
      users.map((u) => ({
        kind: 'teaser',
        user_id: u._id,
        text: 'Someone sent you a message',
        due_at: new Date(Date.now() - 60_000),
      })),
    );
    await page.reload();
    expect(await figure(page, 'Pushes waiting now')).toBe('3');
    expect(await figure(page, 'Oldest due')).toMatch(/^\d+ s ago$|^1 min ago$/);
    const busiest = page.getByRole('table', { name: 'Busiest hours' });
    expect(await busiest.getByRole('row').nth(1).innerText()).toMatch(
      new RegExp(`${peakHour.toISOString().slice(0, 10)} ${peakHour.toISOString().slice(11, 16)} UTC\\s+37`),
    );
    expect(await page.getByRole('img', { name: /^Next 48 hours: most in .* 37$/ }).count()).toBe(1);
    await screenshot(page, 'ops-02-paused-backlog-peak');
    expect(users.flatMap((u) => fcm.forToken(u.device!.reg_id))).toHaveLength(0);

    await page.getByRole('button', { name: 'Resume delivery' }).click();
    await page.getByText('Last action: resume all workers: delivery resumed').waitFor();
    await eventually(
      () => users.every((u) => fcm.forToken(u.device!.reg_id).length === 1),
      5000,
      'the 3 pushes',
    );
    await reloadUntil(
      page,
      async () => (await figure(page, 'Pushes waiting now')) === '0',
      'an empty backlog',
    );
  });

  it('when a failed push is requeued from the list then the worker delivers it and the row says who requeued it', async () => {
    const user = await makeReceiver({ os: 'android' });
    const m = messageDoc(user._id, { due: new Date(Date.now() - 2 * HOUR_MS) });
    await Message.create(m);
    const failedId = new Types.ObjectId().toHexString();
    const reason = 'gave up after 10 attempts: HTTP 503';
    await PushOutcome.insertMany([
      {
        _id: failedId,
        kind: 'message',
        message_id: m._id,
        user_id: user._id,
        outcome: 'failed',
        reason,
        provider: 'fcm',
        attempts: 10,
        due_at: m.delivery_time,
        at: new Date(Date.now() - HOUR_MS),
        worker: 'an earlier worker',
      },
      {
        _id: new Types.ObjectId().toHexString(),
        kind: 'message',
        message_id: new Types.ObjectId(),
        user_id: new Types.ObjectId(),
        outcome: 'dead_token',
        reason: 'UNREGISTERED',
        provider: 'fcm',
        attempts: 1,
        due_at: new Date(),
        at: new Date(),
        worker: 'an earlier worker',
      },
    ]);
    const page = await signIn();
    const failures = page.getByRole('region', { name: 'Failures' });
    await failures.getByLabel('Reason').selectOption(reason);
    await failures.getByRole('button', { name: 'Filter' }).click();
    const rows = failures.getByRole('table').getByRole('row');
    await eventually(async () => (await rows.count()) === 2, 5000, 'one failure listed');
    expect(await rows.nth(1).innerText()).toContain(m._id.toHexString());
    await screenshot(page, 'ops-03-failures');
    await rows.nth(1).getByRole('button', { name: 'Requeue' }).click();
    await page
      .getByText(
        /Last action: requeue push [0-9a-f]{24} \(message [0-9a-f]{24}\): requeued: job [0-9a-f]{24}/,
      )
      .waitFor();
    expect(await page.getByRole('region', { name: 'Failures' }).getByRole('row').nth(1).innerText()).toMatch(
      /requeued by operator-[0-9a-f]{6}/,
    );
    expect(
      await page
        .getByRole('region', { name: 'Failures' })
        .getByRole('button', { name: 'Requeue', exact: true })
        .count(),
    ).toBe(0);
    await eventually(() => fcm.forToken(user.device!.reg_id).length === 1, 5000, 'the requeued push');
    await eventually(
      async () => (await PushOutcome.countDocuments({ message_id: m._id, outcome: 'sent' })) === 1,
      5000,
      'its outcome',
    );
    await screenshot(page, 'ops-04-requeued');
  });

  it('when a test push is sent to an FCM token then the provider answer is shown and the fake FCM got it', async () => {
    const page = await signIn();
    const token = androidToken();
    await page.getByLabel('Provider').selectOption('fcm');
    await page.getByLabel('Device token').fill(token);
    await page.getByRole('button', { name: 'Send a test push' }).click();
    const status = page.getByRole('status');
    await status.filter({ hasText: 'sent: accepted, id projects/pictever-test/messages/' }).waitFor();
    expect(await status.innerText()).toMatch(
      /^Last action: test-push fcm token#[0-9a-f]{10}: sent: accepted, id /,
    );
    expect(await page.content()).not.toContain(token);
    expect(fcm.forToken(token)).toHaveLength(1);
    await screenshot(page, 'ops-05-test-push');
  });

  it('when the worker beats then it is shown alive with its periodic jobs; every action is in the log; sign-out ends it', async () => {
    const page = await signIn();
    const workers = page.getByRole('region', { name: 'Workers' });
    // Beats come every second; on a busy machine one may be late enough to show it gone.
    await reloadUntil(
      page,
      async () =>
        (await workers.getByRole('table', { name: 'Periodic jobs' }).innerText()).includes('promote') &&
        /worker\.1 .*\s+alive/.test(await workers.getByRole('table', { name: 'Heartbeats' }).innerText()),
      'the worker alive, with its periodic jobs',
    );
    // Sent in the last hour: three pushes a minute late and the requeued one two hours
    // late, beyond the lag histogram's last bound (5 min).
    await reloadUntil(
      page,
      async () => (await figure(page, 'Lag p99 (last hour)')) === 'over 300.0 s',
      'the p99',
    );
    expect(await figure(page, 'Lag p50 (last hour)')).toMatch(/^\d+(\.\d)? s$/);
    const log = await page.getByRole('region', { name: 'Actions' }).innerText();
    for (const action of ['sign-in', 'pause', 'resume', 'requeue', 'test-push'])
      expect(log).toContain(action);
    await screenshot(page, 'ops-06-console');
    // A small JPEG of the page's top for the README (docs/ops-console.jpg is a copy of one).
    await page.screenshot({
      path: path.join(SCREENSHOT_DIR, 'ops-06-console-top.jpg'),
      type: 'jpeg',
      quality: 60,
      clip: { x: 0, y: 0, width: LAPTOP.width, height: 1400 },
    });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Operator token').waitFor();
    expect(await browser.context().cookies()).toEqual([]);
  });

  it('when opened on a phone then nothing is wider than the screen', async () => {
    const page = await signIn();
    await page.setViewportSize(PHONE_VIEWPORT);
    await page.reload();
    const overflow = await horizontalOverflow(page);
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, 'ops-07-phone');
    expect(await User.countDocuments()).toBeGreaterThan(0);
  });
});
