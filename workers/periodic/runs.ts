/**
 * Once-only keys in job_runs: the insert that succeeds does the work, every other
 * worker's insert fails with a duplicate key (README "Databases"). Used as node-cron's
 * run coordinator (key `${job}:${scheduled slot ISO}`) and for per-user actions.
 */
import type { RunCoordinator } from 'node-cron';
import { insertIfAbsent } from '../../src/db/writeErrors';
import { JobRun } from '../../src/models/jobRun';

/** Takes a once-only key; false when another worker (or an earlier run) holds it. */
export function takeOnce(key: string, kind: 'run' | 'reminder', worker: string, now: Date): Promise<boolean> {
  return insertIfAbsent(JobRun.collection, { _id: key as never, kind, worker, created_at: now });
}

/** Gives a once-only key back (the action failed and should be tried again later). */
export async function forgetOnce(key: string): Promise<void> {
  await JobRun.deleteOne({ _id: key });
}

/** Lets exactly one worker run each scheduled slot of a cron task. */
export function runCoordinator(worker: string, now: () => Date): RunCoordinator {
  return { shouldRun: (key: string) => takeOnce(key, 'run', worker, now()) };
}
