/**
 * Worker processes for the tests: the real entry (workers/notifier.ts through tsx) with
 * the test database and the fake providers, its JSON log lines kept for assertions.
 */
import { startProcess } from '../../scripts/lib/stack';

export interface WorkerLog {
  msg?: string;
  level?: number;
  [key: string]: unknown;
}

export interface WorkerHandle {
  logs: WorkerLog[];
  /** Lines that were not JSON (start-up failures). */
  text: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitForLog(match: (l: WorkerLog) => boolean, timeoutMs?: number): Promise<WorkerLog>;
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** True until the process exits. */
  running(): boolean;
  pid: number;
}

/** Settings every test worker shares: small timings, periodic jobs off unless asked. */
export const WORKER_TEST_ENV: Record<string, string> = {
  LOG_LEVEL: 'info',
  WORKER_LEASE_MS: '10000',
  WORKER_SEND_TIMEOUT_MS: '1000',
  WORKER_RETRY_BASE_MS: '100',
  WORKER_RETRY_MAX_MS: '1000',
  WORKER_MAX_ATTEMPTS: '3',
  SHUTDOWN_TIMEOUT_MS: '5000',
  // Once a year: periodic jobs stay out of the way of the push tests.
  WORKER_SWEEP_CRON: '0 0 1 1 *',
  WORKER_REMINDER_CRON: '0 0 1 1 *',
  WORKER_CLEANUP_CRON: '0 0 1 1 *',
};

export function startWorker(env: Record<string, string>): WorkerHandle {
  const logs: WorkerLog[] = [];
  const text: string[] = [];
  const waiters: { match: (l: WorkerLog) => boolean; resolve: (l: WorkerLog) => void }[] = [];
  const proc = startProcess('workers/notifier.ts', { ...WORKER_TEST_ENV, ...env }, (line) => {
    let entry: WorkerLog;
    try {
      entry = JSON.parse(line) as WorkerLog;
    } catch {
      text.push(line);
      return;
    }
    logs.push(entry);
    for (const w of waiters.filter((x) => x.match(entry))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(entry);
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    logs,
    text,
    exited,
    pid: proc.child.pid ?? 0,
    stop: (signal: NodeJS.Signals = 'SIGTERM') => proc.stop(signal),
    running: () => proc.child.exitCode === null && proc.child.signalCode === null,
    waitForLog(match, timeoutMs = 15_000) {
      const seen = logs.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`worker log not seen; output:\n${text.join('\n')}`)),
          timeoutMs,
        );
        waiters.push({
          match,
          resolve: (l) => {
            clearTimeout(timer);
            resolve(l);
          },
        });
      });
    },
  };
}

/** Starts a worker and waits until its loop runs. */
export async function startedWorker(env: Record<string, string>): Promise<WorkerHandle> {
  const worker = startWorker(env);
  await worker.waitForLog((l) => l.msg === 'worker started', 30_000);
  return worker;
}
