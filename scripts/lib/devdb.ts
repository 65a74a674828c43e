/**
 * The embedded development database: FerretDB 1.24 (MongoDB wire protocol) over a private
 * PostgreSQL cluster in `<dir>/postgresql` (the default), or over SQLite files in `<dir>`,
 * compiled from scripts/devdb with the machine's Go on first use and cached in
 * .cache/devdb, keyed by the hash of its sources. It listens on 127.0.0.1 on a free port
 * and exits when its parent does (its stdin is a pipe from us), stopping its cluster.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { postgresBin, type PostgresChoice } from './postgresBin';

const ROOT = path.resolve(__dirname, '..', '..').replace(/[/\\]dist$/, '');
const SOURCE_DIR = path.join(ROOT, 'scripts', 'devdb');
const CACHE_DIR = path.join(ROOT, '.cache', 'devdb');

export interface DevDb {
  uri: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export type DevDbBackend = 'postgresql' | 'sqlite';

export interface DevDbOptions {
  /** Folder of the database: its cluster in `postgresql/`, or its SQLite files. */
  dir: string;
  /** Fixed port; 0 or unset picks a free one. */
  port?: number;
  /** Default postgresql (DEVDB_BACKEND). */
  backend?: DevDbBackend;
  /** Which PostgreSQL binaries (DEVDB_POSTGRES, ./postgresBin.ts). */
  postgres?: PostgresChoice;
  /** A cluster thrown away after use (tests, bench): fsync off. Never for data kept. */
  throwAway?: boolean;
  /** More PostgreSQL server settings, `name=value` (check:indexes: enable_seqscan=off). */
  postgresSettings?: string[];
  log?: (line: string) => void;
}

/** The folder of the private PostgreSQL cluster of a database folder. */
export const clusterDir = (dir: string) => path.join(path.resolve(dir), 'postgresql');

function sourceHash(): string {
  const h = createHash('sha256');
  // Every Go file of the package, and the module files: a change to any rebuilds.
  const files = readdirSync(SOURCE_DIR)
    .filter((f) => f.endsWith('.go') || f === 'go.mod' || f === 'go.sum')
    .sort();
  for (const f of files) h.update(f).update(readFileSync(path.join(SOURCE_DIR, f)));
  return h.digest('hex').slice(0, 12);
}

/** Path of the compiled database, building it if needed (about a minute, cold). */
export function ensureDevDbBinary(log: (line: string) => void = () => {}): string {
  const bin = path.join(CACHE_DIR, `devdb-${sourceHash()}`);
  if (existsSync(bin)) return bin;
  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.error || go.status !== 0) {
    throw new Error(
      'The embedded database needs Go 1.24+ to build (https://go.dev/dl/). ' +
        'Install Go, or set MONGODB_URI to use an existing MongoDB.',
    );
  }
  mkdirSync(CACHE_DIR, { recursive: true });
  log(
    `building the embedded database (FerretDB) with ${go.stdout.trim()}; the first build takes about a minute`,
  );
  const tmp = `${bin}.${process.pid}.tmp`;
  const build = spawnSync('go', ['build', '-o', tmp, '.'], {
    cwd: SOURCE_DIR,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, CGO_ENABLED: '0' },
  });
  if (build.status !== 0) throw new Error(`go build of scripts/devdb failed (exit ${build.status})`);
  renameSync(tmp, bin); // atomic: concurrent builders all end with one complete file
  return bin;
}

/** Starts the embedded database and resolves once it accepts connections. */
export async function startDevDb(options: DevDbOptions): Promise<DevDb> {
  const log = options.log ?? (() => {});
  const bin = ensureDevDbBinary(log);
  const args = ['-port', String(options.port ?? 0)];
  if ((options.backend ?? 'postgresql') === 'postgresql') {
    args.push('-dir', clusterDir(options.dir), '-postgresql-bin', postgresBin(options.postgres));
    if (options.throwAway) args.push('-fast');
    for (const setting of options.postgresSettings ?? []) args.push('-postgresql-set', setting);
  } else {
    args.push('-dir', path.resolve(options.dir));
  }
  const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const stderr: string[] = [];
  createInterface({ input: child.stderr }).on('line', (line) => {
    stderr.push(line);
    if (stderr.length > 50) stderr.shift();
    log(`devdb: ${line}`);
  });
  const uri = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => resolve(line.trim()));
    child.once('exit', (code) =>
      reject(new Error(`embedded database exited with code ${code}:\n${stderr.join('\n')}`)),
    );
    child.once('error', reject);
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) {
        resolve();
        return;
      }
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return { uri, process: child, stop };
}
