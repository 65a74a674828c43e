/**
 * The index step through the real entries (#19 item 6): scripts/release.ts drops a stale
 * index and creates a missing one; the web and the worker, started in production against
 * a database missing an index, refuse to start and name it with the fix.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { useTestDatabase } from '../helpers/db';

jest.setTimeout(60_000);

const db = useTestDatabase();
const ROOT = path.resolve(__dirname, '..', '..');

/** Runs an entry from the sources to its exit: its code and every output line. */
function runEntry(
  entry: string,
  env: Record<string, string>,
): Promise<{ code: number | null; lines: string[] }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, entry)], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  createInterface({ input: child.stdout }).on('line', (l) => lines.push(l));
  createInterface({ input: child.stderr }).on('line', (l) => lines.push(l));
  // A process that does start is stopped: the test then fails on its exit code.
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, lines });
    }),
  );
}

const production = () => ({
  NODE_ENV: 'production',
  MONGODB_URI: db.uri(),
  SESSION_SECRET: randomBytes(32).toString('hex'),
  PUBLIC_URL: 'http://127.0.0.1:1/',
  PORT: '0',
});
const indexNames = async (collection: string) =>
  (await db.connection().collection(collection).indexes()).map((i) => i.name);

describe('start-up against a database missing an index', () => {
  beforeAll(async () => {
    await db.connection().collection('users').dropIndex('email_1');
  });

  it.each([
    ['web', 'src/server.ts'],
    ['worker', 'workers/notifier.ts'],
  ])('when the %s starts in production then it exits 1 naming the index and the fix', async (name, entry) => {
    const { code, lines } = await runEntry(entry, production());
    expect(code).toBe(1);
    const logged = lines.filter((l) =>
      l.includes('"msg":"index missing: users {email: 1} unique; create them'),
    );
    expect(logged).toHaveLength(1);
    expect(JSON.parse(logged[0]!)).toMatchObject({ level: 50, collection: 'users', key: { email: 1 } });
    expect(lines).toContain(
      `${name} failed to start: 1 index(es) missing or different: users {email: 1} unique; create them with the release (npm run release; on Heroku the release phase of a deploy), or set MISSING_INDEXES=warn to start without them`,
    );
    expect(
      lines.some((l) => l.includes('"msg":"web listening"') || l.includes('"msg":"worker started"')),
    ).toBe(false);
  });
});

describe('the release', () => {
  it('when an index is missing and another is declared by no model then it creates the one and drops the other', async () => {
    await db.connection().collection('users').createIndex({ nickname: 1 });
    expect(await indexNames('users')).not.toContain('email_1');

    const { code, lines } = await runEntry('scripts/release.ts', production());

    expect(code).toBe(0);
    expect(await indexNames('users')).toEqual(expect.arrayContaining(['_id_', 'email_1']));
    expect(await indexNames('users')).not.toContain('nickname_1');
    const msgs = lines.map((l) => (l.startsWith('{') ? (JSON.parse(l) as { msg: string }).msg : l));
    expect(msgs).toEqual(
      expect.arrayContaining([
        'index dropped, declared by no model: users {nickname: 1} (nickname_1)',
        'index created: users {email: 1} unique',
        'release done',
      ]),
    );
  });
});
