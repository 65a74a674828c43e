/**
 * A database shaped like the original server's, on the same test server as the test
 * database, through the raw driver (the import reads it that way too).
 */
import { randomBytes } from 'node:crypto';
import { MongoClient, type Db, type Document } from 'mongodb';
import { CHECKPOINT_COLLECTION } from '../../scripts/import/checkpoints';

function serverUri(): string {
  const base = process.env.TEST_MONGODB_URI;
  if (!base) throw new Error('TEST_MONGODB_URI is not set: run the tests through jest');
  return base;
}

/** A client on the test server; `db(prefix)` gives fresh databases, all dropped at the end. */
export function useScratchDatabases(): { db: (prefix: string) => Db } {
  let client: MongoClient | undefined;
  const made: Db[] = [];
  beforeAll(async () => {
    client = await new MongoClient(serverUri(), { serverSelectionTimeoutMS: 5_000 }).connect();
  });
  afterAll(async () => {
    for (const db of made) await db.dropDatabase().catch(() => undefined);
    await client?.close();
  });
  return {
    db: (prefix) => {
      if (!client) throw new Error('scratch databases are available inside tests only');
      const db = client.db(`${prefix}_${randomBytes(5).toString('hex')}`);
      made.push(db);
      return db;
    },
  };
}

/**
 * Every document of every non-empty collection (checkpoints aside), sorted by _id: for
 * before/after comparisons and for comparing two databases.
 */
export async function snapshot(db: Db): Promise<Record<string, Document[]>> {
  const result: Record<string, Document[]> = {};
  const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).sort();
  for (const name of names) {
    if (name === CHECKPOINT_COLLECTION) continue;
    const docs = await db.collection(name).find({}).toArray();
    if (docs.length > 0) result[name] = docs.sort((a, b) => String(a._id).localeCompare(String(b._id)));
  }
  return result;
}
