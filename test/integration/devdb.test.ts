/**
 * The embedded database (scripts/devdb): reads by `_id` use an index (idindex.go adds the one
 * FerretDB's queries can use), also on a collection created after the server started, and
 * the index changes no answer. Skipped on a real MongoDB (MONGODB_URI), which has its own.
 */
import mongoose, { Types } from 'mongoose';
import { useTestDatabase } from '../helpers/db';
import { eventually } from '../helpers/workerFixtures';

useTestDatabase();
const embedded = !process.env.MONGODB_URI;

/**
 * SQLite's plan of a find, as FerretDB's explain gives it. The find runs first: an EXPLAIN
 * alone does not make SQLite reload a schema another connection changed, a query does.
 */
async function planOf(collection: string, filter: object): Promise<string> {
  await mongoose.connection.db!.collection(collection).findOne(filter);
  const explained = await mongoose.connection.db!.collection(collection).find(filter).explain();
  return JSON.stringify((explained as { queryPlanner?: { Plan?: unknown } }).queryPlanner?.Plan);
}

(embedded ? describe : describe.skip)('the embedded database', () => {
  it('when a collection is created then within a second a find by _id searches an index instead of scanning', async () => {
    const name = `idx_${new Types.ObjectId().toHexString()}`;
    // Enough documents that SQLite's planner prefers an index to a scan, as it does for a
    // table of a few dozen rows.
    const docs = Array.from({ length: 2_000 }, (_, i) => ({ _id: new Types.ObjectId(), i }));
    await mongoose.connection.db!.collection(name).insertMany(docs);
    const byId = { _id: docs[7]!._id };
    await eventually(async () => (await planOf(name, byId)).includes('USING INDEX'), 5_000, 'the _id index');
    expect(await planOf(name, byId)).toMatch(/SEARCH .*_pictever_id/);
    expect(await planOf(name, { i: 7 })).toMatch(/SCAN/); // anything else still scans
    const found = await mongoose.connection.db!.collection(name).find(byId).toArray();
    expect(found).toEqual([{ _id: docs[7]!._id, i: 7 }]);
    // Duplicates are still refused by FerretDB's own unique index, with the usual code.
    await expect(mongoose.connection.db!.collection(name).insertOne(docs[7]!)).rejects.toMatchObject({
      code: 11000,
    });
  });
});
