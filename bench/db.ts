/**
 * The bench's database server: the embedded database in a temporary folder, over its
 * private PostgreSQL cluster (`--backend postgresql`, the default) or SQLite
 * (`--backend sqlite`), or the MongoDB at MONGODB_URI. Each phase of the bench uses its own database on it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { startDevDb } from '../scripts/lib/devdb';
import { withDatabase } from '../src/db/uri';
import { postgresBin } from '../scripts/lib/postgresBin';

export type Backend = 'sqlite' | 'postgresql';

export interface BenchDb {
  /** Connection string of database `name` on this server. */
  uri(name: string): string;
  backend: string;
  /** Server versions, as the report prints them. */
  version: string;
  stop(): Promise<void>;
}

const ROOT = path.resolve(__dirname, '..');

function ferretVersion(): string {
  const goMod = readFileSync(path.join(ROOT, 'scripts', 'devdb', 'go.mod'), 'utf8');
  return /FerretDB\/FerretDB (v[\d.]+)/.exec(goMod)?.[1] ?? 'unknown';
}

async function buildInfo(uri: string): Promise<{ version: string; ferretdb?: string }> {
  const client = await MongoClient.connect(uri, { serverSelectionTimeoutMS: 5_000 });
  try {
    const info = await client.db('admin').command({ buildInfo: 1 });
    const ferretdb: unknown = info.ferretdbVersion;
    // FerretDB answers with the MongoDB version it imitates and its own in ferretdbVersion.
    return { version: String(info.version), ferretdb: typeof ferretdb === 'string' ? ferretdb : undefined };
  } finally {
    await client.close();
  }
}

const buildInfoVersion = async (uri: string) => (await buildInfo(uri)).version;

const postgresVersion = (bin: string) =>
  execFileSync(path.join(bin, 'postgres'), ['--version'], { encoding: 'utf8' }).trim();

export async function startBenchDb(backend: Backend, log: (l: string) => void): Promise<BenchDb> {
  const given = process.env.MONGODB_URI;
  if (given) {
    const used = new Set<string>();
    const uri = (name: string) => {
      used.add(name);
      return withDatabase(given, name);
    };
    const info = await buildInfo(given);
    const ferret = info.ferretdb === 'unknown' ? '' : ` ${info.ferretdb}`;
    const version = info.ferretdb
      ? `FerretDB${ferret} (buildInfo version ${info.version}) standing in for MongoDB`
      : `MongoDB ${info.version} (buildInfo)`;
    // The bench's databases are its own: dropped at the end, never anything else.
    const stop = async () => {
      const client = await MongoClient.connect(given, { serverSelectionTimeoutMS: 5_000 });
      try {
        for (const name of used) await client.db(name).dropDatabase();
      } finally {
        await client.close();
      }
    };
    return { uri, backend: 'MongoDB at MONGODB_URI', version, stop };
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pictever-bench-db-'));
  // Durable as `npm start` runs it (fsync on), though the folder is deleted at the end.
  const devdb = await startDevDb({ dir, backend, log });
  const wire = await buildInfoVersion(devdb.uri);
  const pg = backend === 'postgresql' ? postgresVersion(postgresBin()) : undefined;
  const version =
    `FerretDB ${ferretVersion()} (buildInfo version ${wire})` + (pg ? `, ${pg}` : ', SQLite backend');
  return {
    uri: (name) => withDatabase(devdb.uri, name),
    backend: pg ? 'FerretDB on PostgreSQL' : 'FerretDB on SQLite',
    version,
    stop: async () => {
      await devdb.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
