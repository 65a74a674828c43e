/**
 * Each test file works in a database of its own on the shared test server, with every
 * model's indexes created by the release's own step, and drops it at the end.
 */
import { randomBytes } from 'node:crypto';
import mongoose, { type Connection } from 'mongoose';
import { loadConfig } from '../../src/config';
import { syncIndexes } from '../../src/db/indexes';
import { recordQueryShapes } from '../../src/db/queryShapes';
import { withDatabase } from '../../src/db/uri';
import { refuseUnacknowledgedWrites } from '../../src/db/writeConcern';
import { createLogger } from '../../src/logger';
import '../../src/models';

/**
 * The declared indexes on the connection's database, as the release creates them
 * (scripts/release.ts): TTL indexes when the server has them (a MONGODB_URI run).
 */
export async function indexTestDatabase(connection: Connection = mongoose.connection): Promise<void> {
  await syncIndexes(connection, loadConfig({ NODE_ENV: 'test' }), createLogger('silent'));
}

export function testDatabaseUri(): string {
  const base = process.env.TEST_MONGODB_URI;
  if (!base) throw new Error('TEST_MONGODB_URI is not set: run the tests through jest');
  return withDatabase(base, `t_${randomBytes(6).toString('hex')}`);
}

/**
 * Connects Mongoose to a fresh database before the file's tests and drops it after, with
 * the unacknowledged-write guard of every process (src/db/mongo.ts). `through` rewrites the address
 * the driver connects to (test/helpers/wireProxy.ts); `uri()` stays the database's own.
 */
export function useTestDatabase(options: { through?: (uri: string) => string } = {}): {
  uri: () => string;
  connection: () => Connection;
} {
  let uri = '';
  beforeAll(async () => {
    uri = testDatabaseUri();
    mongoose.set('autoIndex', false);
    mongoose.set('bufferCommands', false);
    const queryLogDir = process.env.DB_QUERY_LOG_DIR;
    await mongoose.connect(options.through ? options.through(uri) : uri, {
      serverSelectionTimeoutMS: 5_000,
      monitorCommands: true,
    });
    refuseUnacknowledgedWrites(mongoose.connection.getClient());
    if (queryLogDir) recordQueryShapes(mongoose.connection.getClient(), queryLogDir, 'test');
    await indexTestDatabase();
  });
  afterAll(async () => {
    await mongoose.connection.dropDatabase().catch(() => undefined);
    await mongoose.disconnect();
  });
  return { uri: () => uri, connection: () => mongoose.connection };
}
