/**
 * The README's Heroku deploy, tried end to end as far as this machine allows: the slug is
 * built with `npm run build` from a copy of the pushed files, the Procfile's release
 * phase runs, then its web and worker commands as written (compiled JS) with the config
 * vars of the README and the test's embedded database standing in for the managed
 * MongoDB. A user signs up and sends a message due now through the web process over
 * HTTP; the worker pushes it to a fake FCM. SIGTERM, what Heroku sends on every restart,
 * stops both with exit code 0.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AppClient, expectStatus } from '../../scripts/lib/appClient';
import { freePort, waitForHttp } from '../../scripts/lib/stack';
import { testDataKeys } from '../helpers/dataKeys';
import { useTestDatabase } from '../helpers/db';
import { startFakeFcm, type FakeFcm } from '../helpers/fakeFcm';
import { buildSlug, packagesLoaded, run, startDyno, type Dyno, type Slug } from '../helpers/herokuSlug';
import { eventually } from '../helpers/workerFixtures';

jest.setTimeout(90_000);

const db = useTestDatabase();
const OPERATOR_TOKEN = randomBytes(16).toString('hex');
const SESSION_SECRET = randomBytes(32).toString('hex');
let fcm: FakeFcm;
let slug: Slug;
let port = 0;
let web: Dyno | undefined;
let worker: Dyno | undefined;

/** A dyno's environment: the config vars of the README's `heroku config:set`, and PORT. */
function configVars(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    MONGODB_URI: db.uri(),
    SESSION_SECRET,
    DATA_KEYS: testDataKeys(),
    PUBLIC_URL: `http://127.0.0.1:${port}/`,
    TRUST_PROXY_HOPS: '1',
    OPERATOR_TOKEN,
    FCM_CREDENTIALS: fcm.credentials,
    FCM_API_URL: fcm.url, // the fake; unset on Heroku
    NODE_EXTRA_CA_CERTS: fcm.caFile, // the fake's CA; unset on Heroku
    PORT: String(port),
  };
}

beforeAll(async () => {
  fcm = await startFakeFcm();
  port = await freePort();
  slug = await buildSlug({ PATH: process.env.PATH, HOME: process.env.HOME });
}, 120_000);

afterAll(async () => {
  for (const dyno of [web, worker]) dyno?.signal('SIGKILL');
  await Promise.all([web?.exited, worker?.exited]);
  slug?.remove();
  await fcm?.close();
});

describe('a Heroku deploy tried on this machine', () => {
  it('when built then the Procfile declares release, web and worker, and they load only dependencies', () => {
    expect(Object.keys(slug.procfile).sort()).toEqual(['release', 'web', 'worker']);
    // Node with source maps on, so that stack traces name the TypeScript lines.
    const entries = Object.values(slug.procfile).map(
      (c) => /^node --enable-source-maps (\S+\.js)$/.exec(c)?.[1],
    );
    expect(entries.every(Boolean)).toBe(true);
    // Heroku prunes devDependencies after the build.
    const pkg = JSON.parse(readFileSync(path.join(slug.dir, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const loaded = packagesLoaded(slug.dir, entries as string[]);
    expect(loaded).toContain('express');
    expect(loaded.filter((p) => !(p in pkg.dependencies))).toEqual([]);
  });

  it('when the release phase runs then it creates the indexes and seeds the catalog, and exits 0', async () => {
    const output = await run(slug.procfile.release!, slug.dir, configVars());
    expect(output).toContain('"msg":"release done"');
    const indexes = await db.connection().collection('push_jobs').indexes();
    expect(indexes.map((i) => i.name)).toContain('due_at_1');
    expect(await db.connection().collection('send_choices').countDocuments()).toBeGreaterThan(0);
  });

  it('when web and worker run then a message sent over HTTP is pushed to FCM by the worker', async () => {
    web = startDyno(slug.procfile.web!, slug.dir, configVars());
    worker = startDyno(slug.procfile.worker!, slug.dir, configVars());
    await waitForHttp(`http://127.0.0.1:${port}/hello`, 30_000);
    await worker.waitForLog((l) => l.msg === 'worker started', 30_000);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`, {
      headers: { authorization: `Bearer ${OPERATOR_TOKEN}` },
    });
    expect([ready.status, await ready.text()]).toEqual([200, 'ready']);

    const app = new AppClient(`http://127.0.0.1:${port}/`, 'android');
    const email = `deploy.${randomBytes(4).toString('hex')}@example.com`;
    const token = `fcm-deploy-${randomBytes(8).toString('hex')}`;
    expectStatus(await app.signup(email, 'correct horse'), 200, 'signup');
    const login = expectStatus(await app.login(email, 'correct horse', token), 200, 'login');
    const { user_id: userId, web_app_url: webAppUrl } = JSON.parse(login.text) as Record<string, string>;
    expect(webAppUrl).toBe(`http://127.0.0.1:${port}/`);
    expectStatus(await app.definePhone('0033612345678', token), 200, 'define_first_phone_number');
    expectStatus(await app.send([`id${userId}`], 'hello from the deploy trial'), 200, 'send');

    await eventually(() => fcm.forToken(token).length > 0, 20_000, 'the push at the fake FCM');
    expect(fcm.forToken(token)[0]!.data).toEqual({ receiver_reg_id: token });
    const received = JSON.parse(expectStatus(await app.receiveAll(0), 200, 'receive_all').text) as {
      new_messages: { message: string }[];
    };
    expect(received.new_messages.map((m) => m.message)).toEqual(['hello from the deploy trial']);
  });

  it('when built then the account page and its assets are served, and the compiled admin command exports and deletes an account', async () => {
    const page = await fetch(`http://127.0.0.1:${port}/account`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<label for="signin-email">Email</label>');
    const script = await fetch(`http://127.0.0.1:${port}/account/assets/account.js`);
    expect([script.status, script.headers.get('content-type')]).toEqual([
      200,
      'text/javascript; charset=utf-8',
    ]);
    // What `heroku run` starts: only dependencies are installed there too.
    const pkg = JSON.parse(readFileSync(path.join(slug.dir, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const loaded = packagesLoaded(slug.dir, ['dist/scripts/admin.js']);
    expect(loaded.filter((p) => !(p in pkg.dependencies))).toEqual([]);

    const app = new AppClient(`http://127.0.0.1:${port}/`, 'android');
    const email = `deleted.${randomBytes(4).toString('hex')}@example.com`;
    expectStatus(await app.signup(email, 'correct horse'), 200, 'signup');
    const exported = await run(`node dist/scripts/admin.js export-user ${email}`, slug.dir, configVars());
    expect((JSON.parse(exported) as { account: { email: string } }).account.email).toBe(email);
    const deleted = await run(`node dist/scripts/admin.js delete-user ${email}`, slug.dir, configVars());
    expect(deleted).toMatch(/^deleted account [0-9a-f]{24}: mark 1,/);
    expectStatus(await app.login(email, 'correct horse'), 401, 'login after the deletion');
  });

  it('when Heroku sends SIGTERM then both processes stop and exit 0', async () => {
    web!.signal('SIGTERM');
    worker!.signal('SIGTERM');
    expect(await Promise.all([web!.exited, worker!.exited])).toEqual([0, 0]);
    expect(web!.logs.some((l) => l.msg === 'stopped')).toBe(true);
    expect(worker!.logs.some((l) => l.msg === 'stopped')).toBe(true);
    expect([...web!.logs, ...worker!.logs].filter((l) => (l.level ?? 0) >= 50)).toEqual([]);
  });
});
