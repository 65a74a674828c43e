/**
 * The stack of the load and fault runs: the embedded database on a fixed port and folder
 * (so that it can be stopped and started again), one web process, worker processes, and
 * the fake FCM and APNs providers of the tests, which count every push they receive.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import { startFakeApns, type FakeApns } from '../../test/helpers/fakeApns';
import { startFakeFcm, type FakeFcm } from '../../test/helpers/fakeFcm';
import { makeTestTls } from '../../test/helpers/workerTls';
import { withDatabase } from '../../src/db/uri';
import { startDevDb, type DevDb } from './devdb';
import { freePort, startProcess, startWeb, useStackDataKeys, type ProcessHandle } from './stack';

export interface Stack {
  uri: string;
  baseUrl: string;
  fcm: FakeFcm;
  apns: FakeApns;
  web: ProcessHandle;
  workers: ProcessHandle[];
  workerEnv: Record<string, string>;
  webLines: string[];
  workerLines: string[];
  db: { current: DevDb | undefined; stop(): Promise<void>; start(): Promise<void> };
  startWorker(): ProcessHandle;
  close(): Promise<void>;
}

export async function startStack(
  name: string,
  env: Record<string, string> = {},
  opts: { workerLogLevel?: string } = {},
): Promise<Stack> {
  const given = process.env.MONGODB_URI;
  const dir = mkdtempSync(path.join(os.tmpdir(), `pictever-${name}-`));
  const port = await freePort();
  const db = {
    current: undefined as DevDb | undefined,
    async stop() {
      await db.current?.stop();
      db.current = undefined;
    },
    async start() {
      db.current = await startDevDb({ dir, port, throwAway: true });
    },
  };
  let uri: string;
  if (given) {
    const url = new URL(given);
    url.pathname = `/${name}`;
    uri = url.toString();
  } else {
    await db.start();
    uri = withDatabase(db.current!.uri, name);
  }
  const tls = makeTestTls();
  const fcm = await startFakeFcm(tls);
  const apns = await startFakeApns(tls);
  const common = {
    MONGODB_URI: uri,
    LOG_LEVEL: 'warn',
    BCRYPT_COST: '4',
    LOGIN_FAILURES_PER_ACCOUNT_ADDRESS: '0',
    LOGIN_FAILURES_PER_ADDRESS: '0',
    LOGIN_FAILURES_PER_ACCOUNT: '0',
    SIGNUP_LIMIT_PER_ADDRESS: '0',
    SIGNUP_LIMIT_PER_ACCOUNT: '0',
    ...env,
  };
  const workerEnv = {
    ...common,
    FCM_CREDENTIALS: fcm.credentials,
    FCM_API_URL: fcm.url,
    ...apns.env,
    APNS_ENV: 'sandbox',
    NODE_EXTRA_CA_CERTS: tls.caFile,
    WORKER_SEND_TIMEOUT_MS: '2000',
    WORKER_LEASE_MS: '5000',
    WORKER_RETRY_BASE_MS: '200',
    WORKER_RETRY_MAX_MS: '2000',
    WORKER_SWEEP_CRON: '* * * * *',
    WORKER_REMINDER_CRON: '0 0 1 1 *',
    ...env,
    ...(opts.workerLogLevel ? { LOG_LEVEL: opts.workerLogLevel } : {}),
  };
  const webLines: string[] = [];
  const workerLines: string[] = [];
  const { web, baseUrl } = await startWeb(common, (l) => webLines.push(l));
  const workers: ProcessHandle[] = [];
  const startWorker = () => {
    const w = startProcess('workers/notifier.ts', workerEnv, (l) => workerLines.push(l));
    workers.push(w);
    return w;
  };
  startWorker();
  mongoose.set('bufferCommands', false);
  await mongoose.connect(uri, { serverSelectionTimeoutMS: 5_000 });
  useStackDataKeys(); // the checks read the messages the processes encrypted
  return {
    uri,
    baseUrl,
    fcm,
    apns,
    web,
    workers,
    workerEnv,
    webLines,
    workerLines,
    db,
    startWorker,
    async close() {
      await Promise.all([web.stop(), ...workers.map((w) => w.stop('SIGKILL'))]);
      await mongoose.disconnect().catch(() => undefined);
      await fcm.close();
      await apns.close();
      await db.stop();
    },
  };
}

/** Latency percentiles of a list of milliseconds. */
export function percentiles(ms: number[]): { n: number; p50: number; p95: number; p99: number; max: number } {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
  return { n: s.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: s.at(-1) ?? 0 };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v)) throw new Error(`--${name} needs a number`);
  return v;
}

/** Resident memory of a process in MB, from /proc (Linux); undefined elsewhere or after its exit. */
export function rssMb(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const kb = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

export interface MemorySeries {
  start: number;
  min: number;
  max: number;
  end: number;
  samples: number;
}

/**
 * Samples the RSS of each named process every `everyMs` from now until `stop()`, which
 * takes a last sample and returns start, min, max and end per process (undefined: never
 * read, e.g. not Linux). A memory leak shows as an end well above the start.
 */
export function sampleMemory(
  processes: Record<string, ProcessHandle>,
  everyMs = 5_000,
): { stop(): Record<string, MemorySeries | undefined> } {
  const series: Record<string, number[]> = Object.fromEntries(Object.keys(processes).map((k) => [k, []]));
  const sample = () => {
    for (const [name, p] of Object.entries(processes)) {
      const mb = rssMb(p.child.pid);
      if (mb !== undefined) series[name]!.push(mb);
    }
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return Object.fromEntries(
        Object.entries(series).map(([name, mb]) => [
          name,
          mb.length === 0
            ? undefined
            : {
                start: mb[0]!,
                min: Math.min(...mb),
                max: Math.max(...mb),
                end: mb.at(-1)!,
                samples: mb.length,
              },
        ]),
      );
    },
  };
}
