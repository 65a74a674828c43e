/**
 * The processes under test, each a child of the bench: our web and worker processes
 * (scripts/lib/stack.ts, from the TypeScript sources as `npm run dev` runs them) and the
 * baseline server; plus their peak resident memory, read from /proc.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import {
  freePort,
  stackDataKeys,
  startProcess,
  startWeb,
  waitForHttp,
  type ProcessHandle,
} from '../scripts/lib/stack';

export interface Proc {
  handle: ProcessHandle;
  pid: number;
  /** The last lines it wrote, for error messages. */
  tail: string[];
}

export interface WebProc extends Proc {
  baseUrl: string;
}

function keeper(tail: string[], onLine?: (line: string) => void) {
  return (line: string) => {
    tail.push(line);
    if (tail.length > 40) tail.shift();
    onLine?.(line);
  };
}

/**
 * Settings of every process of ours the bench starts: production mode, production log
 * level, shapes recorded for the index check, and login limits and daily quotas too high to
 * refuse a load (the hits are still written and counted, as in production).
 */
export function ourEnv(uri: string, queryLogDir: string): Record<string, string> {
  return {
    MONGODB_URI: uri,
    DB_QUERY_LOG_DIR: queryLogDir,
    NODE_ENV: 'production',
    SESSION_SECRET: 'bench-session-secret-not-for-production-0123456789',
    DATA_KEYS: stackDataKeys(), // production requires them; one set for every process of the run
    // Production requires it; the bench's clients never follow web_app_url.
    PUBLIC_URL: 'http://localhost/',
    LOG_LEVEL: 'info',
    LOGIN_FAILURES_PER_ACCOUNT_ADDRESS: '1000000000',
    LOGIN_FAILURES_PER_ADDRESS: '1000000000',
    LOGIN_FAILURES_PER_ACCOUNT: '1000000000',
    MESSAGES_PER_DAY: '1000000000',
    PUSHES_PER_DAY: '1000000000',
    CONTACT_LOOKUPS_PER_DAY: '1000000000',
  };
}

export async function startOurWeb(env: Record<string, string>): Promise<WebProc> {
  const tail: string[] = [];
  const { web, baseUrl } = await startWeb(env, keeper(tail));
  return { handle: web, pid: web.child.pid ?? 0, tail, baseUrl };
}

export interface WorkerProc extends Proc {
  /** Where it serves /metrics, when started with WORKER_METRICS_PORT. */
  metricsPort: number | undefined;
}

/** A worker process; resolves once its loop runs (its "worker started" log line). */
export async function startOurWorker(env: Record<string, string>): Promise<WorkerProc> {
  const tail: string[] = [];
  let started!: (port: number | undefined) => void;
  const ready = new Promise<number | undefined>((resolve) => (started = resolve));
  const handle = startProcess(
    'workers/notifier.ts',
    env,
    keeper(tail, (line) => {
      if (!line.includes('"worker started"')) return;
      const { metricsPort } = JSON.parse(line) as { metricsPort?: unknown };
      started(typeof metricsPort === 'number' ? metricsPort : undefined);
    }),
  );
  const exited = new Promise<never>((_, reject) =>
    handle.child.once('exit', (code) =>
      reject(new Error(`worker exited with ${code} before starting:\n${tail.join('\n')}`)),
    ),
  );
  const metricsPort = await Promise.race([ready, exited]);
  return { handle, pid: handle.child.pid ?? 0, tail, metricsPort };
}

/**
 * A child node process from TypeScript with extra node flags (stack.ts's startProcess
 * takes none, and Node 20 refuses --cpu-prof in NODE_OPTIONS); resolves once /hello answers.
 */
async function startChild(entry: string, nodeArgs: string[], env: Record<string, string>): Promise<WebProc> {
  const port = await freePort();
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', entry], {
    cwd: path.resolve(__dirname, '..'),
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tail: string[] = [];
  createInterface({ input: child.stderr }).on('line', keeper(tail));
  createInterface({ input: child.stdout }).on('line', keeper(tail));
  const stop = (signal: NodeJS.Signals = 'SIGTERM') =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  const baseUrl = `http://127.0.0.1:${port}/`;
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`${entry} exited with ${code}:\n${tail.join('\n')}`))),
  );
  await Promise.race([waitForHttp(`${baseUrl}hello`), exited]);
  return { handle: { child, stop }, pid: child.pid ?? 0, tail, baseUrl };
}

export function startBaseline(uri: string): Promise<WebProc> {
  return startChild(path.join(__dirname, 'baselineMain.ts'), [], { BASELINE_MONGODB_URI: uri });
}

/** Our web process writing a CPU profile into `dir` when it exits. */
export function startProfiledWeb(env: Record<string, string>, dir: string): Promise<WebProc> {
  const flags = ['--cpu-prof', `--cpu-prof-dir=${dir}`];
  return startChild('src/server.ts', flags, { NODE_ENV: 'test', LOG_LEVEL: 'warn', ...env });
}

let clockTicks: number | undefined;

/** CPU time (user + system) a live process has used so far, in ms; 0 if unreadable. */
export function cpuMs(pid: number): number {
  clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "pid (comm) ": state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks;
  } catch {
    return 0;
  }
}

/** Peak resident set size of a live process (VmHWM), in MB; undefined if unreadable. */
export function peakRssMb(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmHWM:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kb ? Number(kb) / 1024 : undefined;
  } catch {
    return undefined;
  }
}
