/**
 * The embedded database's private PostgreSQL cluster (scripts/devdb/cluster.go), the
 * default backend: made once in `<dir>/postgresql`, kept across restarts, on the machine's
 * PostgreSQL or the npm package's, and never outliving the program that started it.
 * Skipped on a real MongoDB (MONGODB_URI), which needs none of it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { clusterDir, startDevDb, type DevDbOptions } from '../../scripts/lib/devdb';
import { eventually } from '../helpers/workerFixtures';

const embedded = !process.env.MONGODB_URI;
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function newDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pictever-pg-'));
  dirs.push(dir);
  return dir;
}

/** Starts, runs `fn` on a client, stops. */
async function withDevDb<T>(options: DevDbOptions, fn: (client: MongoClient) => Promise<T>): Promise<T> {
  const devdb = await startDevDb(options);
  const client = await MongoClient.connect(devdb.uri);
  try {
    return await fn(client);
  } finally {
    await client.close();
    await devdb.stop();
  }
}

/** The postmasters running on cluster folder `dir`, by their command lines. */
const postmastersOf = (dir: string) =>
  execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes('postgres -D') && l.includes(dir)).length;

(embedded ? describe : describe.skip)('the private PostgreSQL cluster', () => {
  it('when it is stopped and started again then the data is still there, in <dir>/postgresql with locale C', async () => {
    const dir = newDir();
    await withDevDb({ dir, throwAway: true }, async (client) => {
      await client
        .db('kept')
        .collection('notes')
        .insertOne({ _id: 'n1' as never, text: 'still here' });
    });
    expect(existsSync(path.join(clusterDir(dir), 'PG_VERSION'))).toBe(true);
    expect(postmastersOf(clusterDir(dir))).toBe(0); // stopped with it
    const again = await withDevDb({ dir, throwAway: true }, (client) =>
      client.db('kept').collection('notes').find().toArray(),
    );
    expect(again).toEqual([{ _id: 'n1', text: 'still here' }]);
    const log = readFileSync(`${clusterDir(dir)}.log`, 'utf8');
    expect(log.match(/database system is ready to accept connections/g)).toHaveLength(2);
    // initdb's locale, as it writes it into the cluster's settings.
    expect(readFileSync(path.join(clusterDir(dir), 'postgresql.conf'), 'utf8')).toMatch(
      /^lc_messages = 'C'/m,
    );
  });

  it('when DEVDB_POSTGRES=package then it runs the npm package’s PostgreSQL 15.18', async () => {
    const dir = newDir();
    const found = await withDevDb({ dir, postgres: 'package', throwAway: true }, async (client) => {
      await client.db('pkg').collection('c').insertOne({ a: 1 });
      return client.db('pkg').collection('c').countDocuments();
    });
    expect(found).toBe(1);
    expect(readFileSync(`${clusterDir(dir)}.log`, 'utf8')).toMatch(/starting PostgreSQL 15\.18 on x86_64/);
  });

  it('when a collection gets an index then within a second an equality on its leading field reads a GIN index, not the table', async () => {
    const dir = newDir();
    const logged: string[] = [];
    const devdb = await startDevDb({ dir, throwAway: true, log: (l) => logged.push(l) });
    const client = await MongoClient.connect(devdb.uri);
    try {
      const c = client.db('plans').collection('messages');
      await c.createIndex({ receiver_id: 1, blocked: 1 });
      await c.createIndex({ email: 1 }, { unique: true });
      await c.insertMany(
        Array.from({ length: 2_000 }, (_, i) => ({
          receiver_id: `r${i % 100}`,
          blocked: false,
          n: i,
          email: `u${i}@x`,
        })),
      );
      const plan = async (filter: object) =>
        JSON.stringify(((await c.find(filter).explain()) as { queryPlanner?: unknown }).queryPlanner);
      await eventually(
        async () => (await plan({ receiver_id: 'r7' })).includes('pictever_gin_'),
        5_000,
        'the GIN index',
      );
      expect(await plan({ receiver_id: 'r7' })).toContain('"Node Type":"Bitmap Index Scan"');
      expect(await plan({ n: 7 })).toContain('"Node Type":"Seq Scan"'); // no index: a scan
      expect(await plan({ blocked: false })).not.toContain('pictever_gin_'); // not a leading field
      expect(await c.countDocuments({ receiver_id: 'r7' })).toBe(20);
      // A duplicate key is refused on the wire and its value never reaches the log.
      await expect(c.insertOne({ email: 'u7@x' })).rejects.toMatchObject({ code: 11000 });
      expect(logged.join('\n')).not.toContain('u7@x');
    } finally {
      await client.close();
      await devdb.stop();
    }
  });

  it('when the program holding it is killed outright then the cluster goes with it', async () => {
    const dir = newDir();
    const devdb = await startDevDb({ dir, throwAway: true });
    expect(postmastersOf(clusterDir(dir))).toBe(1);
    devdb.process.kill('SIGKILL');
    await eventually(
      () => Promise.resolve(postmastersOf(clusterDir(dir)) === 0),
      10_000,
      'the postmaster to exit',
    );
  });
});
