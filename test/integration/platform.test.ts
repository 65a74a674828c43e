import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import mongoose from 'mongoose';
import request from 'supertest';
import { startWeb } from '../../scripts/lib/stack';
import { buildTestApp, type TestApp } from '../helpers/app';
import { useTestDatabase } from '../helpers/db';

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

  it('when a POST body exceeds the limit then 413 with a reason, not a crash', async () => {
    const res = await request(t.app)
      .post('/nope')
      .type('form')
      .send(`a=${'x'.repeat(7 * 1024 * 1024)}`);
    expect(res.status).toBe(413);
    expect(res.text).toBe('request body too large');
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
