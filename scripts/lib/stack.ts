/**
 * Starts the real processes for the benchmarks, load and fault runs and the index
 * coverage scenario: the embedded database (unless MONGODB_URI is set), web processes
 * and worker processes, each a child process from the TypeScript sources, with a given
 * environment. Waits until the web answers /hello.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { installDataKeys } from '../../src/crypto/current';
import { newDataKey, parseDataKeys } from '../../src/crypto/keyring';
import { startDevDb, type DevDb, type DevDbOptions } from './devdb';
import { withDatabase } from '../../src/db/uri';

const ROOT = path.resolve(__dirname, '..', '..');

export interface ProcessHandle {
  child: ChildProcess;
  /** Sends a signal and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** A database for a run: MONGODB_URI with a fresh database name, or a new embedded one. */
export async function startDatabase(
  name: string,
  options: Pick<DevDbOptions, 'postgresSettings'> = {},
): Promise<{ uri: string; devdb?: DevDb }> {
  const given = process.env.MONGODB_URI;
  if (given) {
    return { uri: withDatabase(given, name) };
  }
  const devdb = await startDevDb({
    dir: mkdtempSync(path.join(os.tmpdir(), `pictever-${name}-`)),
    throwAway: true,
    ...options,
  });
  return { uri: withDatabase(devdb.uri, name), devdb };
}

const STACK_SESSION_SECRET = randomBytes(32).toString('hex');
/** Data keys of the run (the environment's when set, as under jest), never the local ones. */
const STACK_DATA_KEYS = process.env.DATA_KEYS ?? newDataKey('run1');

export function stackDataKeys(): string {
  return STACK_DATA_KEYS;
}

/** For a script that reads or writes the models next to the processes it started. */
export function useStackDataKeys(): void {
  installDataKeys(parseDataKeys(STACK_DATA_KEYS));
}

export function startProcess(
  entry: 'src/server.ts' | 'workers/notifier.ts',
  env: Record<string, string>,
  onLine: (line: string) => void = () => {},
): ProcessHandle {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, entry)], {
    cwd: ROOT,
    // One secret for every process of a run, so that a session works on each web process;
    // one set of data keys, so that each reads what the others encrypted.
    env: {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      SESSION_SECRET: STACK_SESSION_SECRET,
      DATA_KEYS: STACK_DATA_KEYS,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  createInterface({ input: child.stdout }).on('line', onLine);
  createInterface({ input: child.stderr }).on('line', onLine);
  const stop = (signal: NodeJS.Signals = 'SIGTERM') =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  return { child, stop };
}

export async function waitForHttp(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startWeb(env: Record<string, string>, onLine?: (l: string) => void) {
  const port = await freePort();
  const web = startProcess('src/server.ts', { PORT: String(port), ...env }, onLine);
  const baseUrl = `http://127.0.0.1:${port}/`;
  await waitForHttp(`${baseUrl}hello`);
  return { web, baseUrl, port };
}
