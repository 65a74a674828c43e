/**
 * Removal of expiring records, run by the worker's cleanup job (the embedded database has
 * no TTL indexes). Each task deletes by a date range over an index made for it.
 */
import type { Config } from '../../src/config';
import mongoose from 'mongoose';
import { SESSIONS_COLLECTION } from '../../src/models/session';
import type { Logger } from '../../src/logger';
import { JobRun } from '../../src/models/jobRun';
import { PushClaim } from '../../src/models/pushClaim';
import { PushOutcome } from '../../src/models/pushOutcome';
import { cleanupAccountRecords } from '../../src/services/accounts/cleanup';
import { cleanupQuotaHits } from '../../src/services/messages/quotas';
import { HOUR_MS } from '../../src/domain/time';

export interface CleanupTask {
  name: string;
  /** Deletes what expired at `now`; returns how many records went. */
  run(now: Date): Promise<number>;
}

export const workerCleanups: CleanupTask[] = [
  {
    // connect-mongo's interval sweep does this too while a web process runs.
    name: 'sessions',
    run: async (now) =>
      (await mongoose.connection.collection(SESSIONS_COLLECTION).deleteMany({ expires: { $lt: now } }))
        .deletedCount,
  },
  {
    // Claims outlive their job by an hour (src/models/pushClaim.ts).
    name: 'push_claims',
    run: async (now) =>
      (await PushClaim.deleteMany({ lease_until: { $lt: new Date(now.getTime() - HOUR_MS) } })).deletedCount,
  },
  {
    name: 'job_runs',
    run: async (now) => {
      const runs = await JobRun.deleteMany({
        kind: 'run',
        created_at: { $lt: new Date(now.getTime() - 2 * 24 * HOUR_MS) },
      });
      // Reminder keys must outlive the 64 h reminder window.
      const reminders = await JobRun.deleteMany({
        kind: 'reminder',
        created_at: { $lt: new Date(now.getTime() - 7 * 24 * HOUR_MS) },
      });
      return runs.deletedCount + reminders.deletedCount;
    },
  },
];

/** Expiring records of the accounts feature: rate-limit hits, reset codes and attempts. */
export function accountCleanups(config: Config): CleanupTask[] {
  return [
    {
      name: 'accounts',
      run: async (now) => {
        const r = await cleanupAccountRecords(config, now);
        return r.rateHits + r.resetCodes;
      },
    },
  ];
}

/** Push outcomes older than PUSH_OUTCOME_RETENTION_DAYS. */
function outcomeCleanup(config: Config): CleanupTask {
  return {
    name: 'push_outcomes',
    run: async (now) => {
      const before = new Date(now.getTime() - config.PUSH_OUTCOME_RETENTION_DAYS * 24 * HOUR_MS);
      return (await PushOutcome.deleteMany({ at: { $lt: before } })).deletedCount;
    },
  };
}

/** Per-user daily quota hits: the days before yesterday count for nothing. */
const quotaCleanup: CleanupTask = { name: 'quotas', run: cleanupQuotaHits };

/** Runs every task; one failing does not stop the others. */
export async function runCleanup(now: Date, logger: Logger, config: Config): Promise<Record<string, number>> {
  const removed: Record<string, number> = {};
  for (const task of [...workerCleanups, outcomeCleanup(config), ...accountCleanups(config), quotaCleanup]) {
    try {
      removed[task.name] = await task.run(now);
    } catch (err) {
      logger.error({ err, task: task.name }, 'cleanup task failed');
    }
  }
  return removed;
}
