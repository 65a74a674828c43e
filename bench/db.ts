/**
 * The bench's database server: the embedded FerretDB over SQLite (default), FerretDB over
 * a throw-away PostgreSQL cluster made in a temporary folder (`--backend postgresql`), or
 * the MongoDB at MONGODB_URI. Each phase of the bench uses its own database on it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { startDevDb, type DevDb } from '../scripts/lib/devdb';
import { withDatabase } from '../src/db/uri';
import { freePort } from '../scripts/lib/stack';

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

/** The newest /usr/lib/postgresql/<n>/bin holding initdb and pg_ctl, if any. */
export function postgresBin(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  return readdirSync(base)
    .sort((a, b) => Number(b) - Number(a))
    .map((v) => path.join(base, v, 'bin'))
    .find((bin) => existsSync(path.join(bin, 'initdb')) && existsSync(path.join(bin, 'pg_ctl')));
}

/** A PostgreSQL cluster in a temporary folder; initdb refuses root, so it then runs as `postgres`. */
async function startPostgres(bin: string) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pictever-bench-pg-'));
  const asRoot = process.getuid?.() === 0;
  let runAs: string[] = [];
  if (asRoot) {
    const id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    if (id.status !== 0) throw new Error('running as root and there is no `postgres` user for initdb');
    chownSync(dir, Number(id.stdout.trim()), Number(id.stdout.trim()));
    runAs = ['runuser', '-u', 'postgres', '--'];
  }
  const run = (cmd: string, args: string[]) => {
    const [file, ...rest] = [...runAs, path.join(bin, cmd), ...args];
    execFileSync(file!, rest, { stdio: 'pipe' });
  };
  const data = path.join(dir, 'data');
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8']);
  const port = await freePort();
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`;
  run('pg_ctl', ['-D', data, '-o', opts, '-l', path.join(dir, 'log'), '-w', 'start']);
  const version = execFileSync(path.join(bin, 'postgres'), ['--version'], { encoding: 'utf8' }).trim();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    version,
    stop: () => {
      try {
        run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

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
  let pg: Awaited<ReturnType<typeof startPostgres>> | undefined;
  if (backend === 'postgresql') {
    const bin = postgresBin();
    if (!bin)
      throw new Error('no PostgreSQL binaries in /usr/lib/postgresql/*/bin: cannot run --backend postgresql');
    log(`starting a throw-away PostgreSQL cluster with ${bin}`);
    pg = await startPostgres(bin);
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pictever-bench-db-'));
  let devdb: DevDb;
  try {
    devdb = await startDevDb({ dir, postgresqlUrl: pg?.url, log });
  } catch (err) {
    pg?.stop();
    throw err;
  }
  const wire = await buildInfoVersion(devdb.uri);
  const version =
    `FerretDB ${ferretVersion()} (buildInfo version ${wire})` + (pg ? `, ${pg.version}` : ', SQLite backend');
  return {
    uri: (name) => withDatabase(devdb.uri, name),
    backend: pg ? 'FerretDB on PostgreSQL (throw-away cluster)' : 'FerretDB on SQLite (embedded)',
    version,
    stop: async () => {
      await devdb.stop();
      pg?.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
