import { execFile } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import mongoose from 'mongoose';
import request from 'supertest';
import { startWeb } from '../../scripts/lib/stack';
import { buildTestApp, type TestApp } from '../helpers/app';
import { useTestDatabase } from '../helpers/db';
import { testDataKeys } from '../helpers/dataKeys';

const run = promisify(execFile);
const db = useTestDatabase();
let t: TestApp;

beforeAll(() => {
  t = buildTestApp();
});

describe('the web process', () => {
  it('when GET /hello then it answers hello in plain text with a request id', async () => {
    const res = await request(t.app).get('/hello');
    expect(res.status).toBe(200);
    expect(res.text).toBe('hello');
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.headers['x-request-id']).toMatch(/^[\w-]+$/);
  });

  it('when a client sends x-request-id then it is echoed and logged', async () => {
    const res = await request(t.app).get('/hello').set('x-request-id', 'abc-123');
    expect(res.headers['x-request-id']).toBe('abc-123');
    expect(t.logLines.some((l) => l.includes('"abc-123"'))).toBe(true);
  });

  it('when the route is unknown then 404 with a reason', async () => {
    const res = await request(t.app).post('/nope').send('a=1').expect(404);
    expect(res.text).toBe('no such route');
  });

  it('when a POST body exceeds the limit of its route then 413 with the limit, not a crash', async () => {
    const res = await request(t.app)
      .post('/login')
      .type('form')
      .send(`email=a@example.com&password=${'x'.repeat(65 * 1024)}&os=android&reg_id=`);
    expect(res.status).toBe(413);
    expect(res.text).toBe('request body too large (at most 65536 bytes here)');
  });

  it('when an unknown path gets a body over every limit then 404: the body is not read', async () => {
    const res = await request(t.app)
      .post('/nope')
      .type('form')
      .send(`a=${'x'.repeat(7 * 1024 * 1024)}`);
    expect(res.status).toBe(404);
    expect(res.text).toBe('no such route');
  });

  it('when the database is asked for a duplicate unique key then it refuses: the database is real', async () => {
    const coll = db.connection().collection('platform_unique');
    await coll.createIndex({ k: 1 }, { unique: true });
    await coll.insertOne({ k: 'one' });
    await expect(coll.insertOne({ k: 'one' })).rejects.toMatchObject({ code: 11000 });
    expect(await coll.countDocuments({ k: 'one' })).toBe(1);
  });

  it('when two processes race inserts into one unique key then each key is won exactly once', async () => {
    const child = path.join(__dirname, '..', 'helpers', 'raceInserts.ts');
    const args = ['--import', 'tsx', child, db.uri(), 'race_claims', '300', '4'];
    const [a, b] = await Promise.all([run(process.execPath, args), run(process.execPath, args)]);
    const wonA = Number(a.stdout.trim());
    const wonB = Number(b.stdout.trim());
    expect(wonA + wonB).toBe(300);
    expect(await db.connection().collection('race_claims').countDocuments({})).toBe(300);
  }, 60_000);

  it('when a production web or worker starts without PUBLIC_URL then it exits non-zero naming it', async () => {
    const env = {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      MONGODB_URI: db.uri(),
      SESSION_SECRET: 'a-production-secret-of-at-least-32-characters',
    };
    const root = path.join(__dirname, '..', '..');
    for (const entry of ['src/server.ts', 'workers/notifier.ts']) {
      const started = run(process.execPath, ['--import', 'tsx', path.join(root, entry)], { env, cwd: root });
      const failure = await started.then(
        () => null,
        (err: unknown) => err as { code: number; stderr: string },
      );
      expect(failure?.code).toBe(1);
      expect(failure?.stderr).toMatch(/PUBLIC_URL: required in production/);
    }
  }, 60_000);

  it('when the web port is taken then the web process exits non-zero with the reason instead of staying up', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '0.0.0.0', resolve));
    const port = (taken.address() as net.AddressInfo).port;
    const root = path.join(__dirname, '..', '..');
    const env = {
      PATH: process.env.PATH ?? '',
      MONGODB_URI: db.uri(),
      DATA_KEYS: testDataKeys(), // not the local keys: a test writes nothing into the project
      PORT: String(port),
      LOG_LEVEL: 'info',
    };
    try {
      const failure = await run(process.execPath, ['--import', 'tsx', path.join(root, 'src/server.ts')], {
        env,
        cwd: root,
        timeout: 30_000,
      }).then(
        () => null,
        (err: unknown) => err as { code: number; stdout: string },
      );
      expect(failure?.code).toBe(1);
      expect(failure?.stdout).toContain(`web cannot listen on port ${port}`);
      expect(failure?.stdout).toContain('EADDRINUSE');
      expect(failure?.stdout).not.toContain('web listening');
    } finally {
      taken.close();
    }
  }, 60_000);

  it('when an exception or a rejection escapes then it is logged, and the process exits 1 (a rejection: in production)', async () => {
    const root = path.join(__dirname, '..', '..');
    const script = (escape: string, production: boolean) => `
      const { createLogger } = require('./src/logger');
      const { guardProcess } = require('./src/processGuards');
      guardProcess(createLogger('info'), { exitOnRejection: ${String(production)} });
      ${escape};
      setTimeout(() => { console.log('still running'); process.exit(0); }, 300);`;
    const outcome = (code: string) =>
      run(process.execPath, ['--import', 'tsx', '-e', code], { cwd: root, timeout: 30_000 }).then(
        (r) => ({ code: 0, stdout: r.stdout }),
        (err: unknown) => err as { code: number; stdout: string },
      );
    const thrown = await outcome(script("setTimeout(() => { throw new Error('boom'); }, 10)", false));
    expect(thrown.code).toBe(1);
    expect(thrown.stdout).toContain('uncaught exception; exiting');
    expect(thrown.stdout).toContain('boom');
    const rejectedProd = await outcome(script("Promise.reject(new Error('lost write'))", true));
    expect(rejectedProd.code).toBe(1);
    expect(rejectedProd.stdout).toContain('unhandled promise rejection');
    const rejectedDev = await outcome(script("Promise.reject(new Error('lost write'))", false));
    expect(rejectedDev.code).toBe(0);
    expect(rejectedDev.stdout).toContain('unhandled promise rejection');
    expect(rejectedDev.stdout).toContain('still running');
  }, 60_000);

  it('when a web process starts without SESSION_SECRET or with the legacy Facebook login then each warns once', async () => {
    const lines: string[] = [];
    const { web, baseUrl } = await startWeb(
      { MONGODB_URI: db.uri(), SESSION_SECRET: '', FACEBOOK_LOGIN: 'legacy', LOG_LEVEL: 'info' },
      (l) => lines.push(l),
    );
    try {
      await fetch(`${baseUrl}hello`);
    } finally {
      await web.stop();
    }
    const warnings = lines
      .map((l) => (l.startsWith('{') ? (JSON.parse(l) as { level: number; msg: string }) : undefined))
      .filter((l) => l && l.level === 40);
    expect(warnings.filter((w) => w!.msg.startsWith('SESSION_SECRET is not set'))).toHaveLength(1);
    expect(warnings.filter((w) => w!.msg.startsWith('FACEBOOK_LOGIN=legacy'))).toHaveLength(1);
  }, 60_000);

  it('uses the Mongoose connection of the test database', () => {
    expect(mongoose.connection.readyState).toBe(1);
  });
});
