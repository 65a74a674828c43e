/**
 * Starts the embedded database once for the whole run (or uses MONGODB_URI). Each test
 * file then works in a database of its own (test/helpers/db.ts).
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDevDb, type DevDb } from '../../scripts/lib/devdb';
import { newDataKey } from '../../src/crypto/keyring';

declare global {
  var __DEVDB__: DevDb | undefined;
}

export default async function globalSetup(): Promise<void> {
  // Keys of this run, never the developer's: every test file (test/helpers/dataKeys.ts) and
  // every process a test starts (they inherit the environment) encrypt with them.
  process.env.DATA_KEYS = newDataKey('test1');
  if (process.env.MONGODB_URI) {
    process.env.TEST_MONGODB_URI = process.env.MONGODB_URI;
    return;
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pictever-testdb-'));
  const db = await startDevDb({
    dir,
    // DEVDB_BACKEND=sqlite npm test runs the suite on the other backend.
    backend: process.env.DEVDB_BACKEND === 'sqlite' ? 'sqlite' : 'postgresql',
    throwAway: true,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  globalThis.__DEVDB__ = db;
  process.env.TEST_MONGODB_URI = db.uri;
  process.env.TEST_DEVDB_PID = String(db.process.pid);
}
