/**
 * The embedded database's SQLite backend (DEVDB_BACKEND=sqlite; scripts/devdb), started here
 * on its own since the suite runs on the PostgreSQL default: it serves the app's models
 * (writes, reads, a unique index's duplicate refused), and reads by `_id` use an index
 * (idindex.go adds the one FerretDB's queries can use), also on a collection created after
 * the server started, and the index changes no answer.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MongoClient, type Db } from 'mongodb';
import { Types } from 'mongoose';
import { startDevDb, type DevDb } from '../../scripts/lib/devdb';
import { eventually } from '../helpers/workerFixtures';

let devdb: DevDb;
let client: MongoClient;
let db: Db;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'pictever-sqlite-'));
  devdb = await startDevDb({ dir, backend: 'sqlite' });
  client = await MongoClient.connect(devdb.uri);
  db = client.db('smoke');
});
afterAll(async () => {
  await client?.close();
  await devdb?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * SQLite's plan of a find, as FerretDB's explain gives it. The find runs first: an EXPLAIN
 * alone does not make SQLite reload a schema another connection changed, a query does.
 */
async function planOf(collection: string, filter: object): Promise<string> {
  await db.collection(collection).findOne(filter);
  const explained = await db.collection(collection).find(filter).explain();
  return JSON.stringify((explained as { queryPlanner?: { Plan?: unknown } }).queryPlanner?.Plan);
}

describe('the embedded database on SQLite', () => {
  it('when it is started then it stores its files in the folder and answers as a MongoDB 7.0 of FerretDB', async () => {
    const info = await db.admin().command({ buildInfo: 1 });
    expect(info).toMatchObject({ version: '7.0.42', ferretdbFeatures: expect.any(Object) });
    await db.collection('users').createIndex({ email: 1 }, { unique: true });
    await db.collection('users').insertOne({ email: 'ana@example.com' });
    await expect(db.collection('users').insertOne({ email: 'ana@example.com' })).rejects.toMatchObject({
      code: 11000,
    });
    expect(await db.collection('users').countDocuments({ email: 'ana@example.com' })).toBe(1);
    expect(readdirSync(dir).some((f) => f.startsWith('smoke'))).toBe(true);
  });

  it('when a collection is created then within a second a find by _id searches an index instead of scanning', async () => {
    const name = `idx_${new Types.ObjectId().toHexString()}`;
    // Enough documents that SQLite's planner prefers an index to a scan, as it does for a
    // table of a few dozen rows.
    const docs = Array.from({ length: 2_000 }, (_, i) => ({ _id: new Types.ObjectId(), i }));
    await db.collection(name).insertMany(docs);
    const byId = { _id: docs[7]!._id };
    await eventually(async () => (await planOf(name, byId)).includes('USING INDEX'), 5_000, 'the _id index');
    expect(await planOf(name, byId)).toMatch(/SEARCH .*_pictever_id/);
    expect(await planOf(name, { i: 7 })).toMatch(/SCAN/); // anything else still scans
    const found = await db.collection(name).find(byId).toArray();
    expect(found).toEqual([{ _id: docs[7]!._id, i: 7 }]);
    // Duplicates are still refused by FerretDB's own unique index, with the usual code.
    await expect(db.collection(name).insertOne(docs[7]!)).rejects.toMatchObject({ code: 11000 });
  });
});
