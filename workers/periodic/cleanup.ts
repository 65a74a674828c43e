/**
 * The worker's cleanup job: one sweep per kind of expiring record, each deleting by a date
 * range over an index made for it. On MongoDB the TTL indexes the models declare do the
 * same work, so the sweeps they name are skipped there (README "Indexes"); on the
 * embedded database, which has no TTL indexes, every sweep runs.
 */
import type { Config } from '../../src/config';
import mongoose from 'mongoose';
import type { Sweep } from '../../src/models/expiry';
import { SESSIONS_COLLECTION } from '../../src/models/session';
import type { Logger } from '../../src/logger';
import { JobRun } from '../../src/models/jobRun';
import { PushClaim } from '../../src/models/pushClaim';
import { PushOutcome } from '../../src/models/pushOutcome';
import { accountSweeps } from '../../src/services/accounts/cleanup';
import { opsSweeps } from '../../src/services/ops/cleanup';
import { cleanupQuotaHits } from '../../src/services/messages/quotas';
import { finishStalledDeletions } from '../../src/services/privacy/deletion';
import { HOUR_MS, MINUTE_MS } from '../../src/domain/time';

const workerSweeps: Sweep[] = [
  {
    // connect-mongo's interval sweep does this too while a web process runs.
    name: 'sessions',
    ttl: 'sessions.expires',
    run: async (now) =>
      (await mongoose.connection.collection(SESSIONS_COLLECTION).deleteMany({ expires: { $lt: now } }))
        .deletedCount,
  },
  {
    // Claims outlive their job by an hour (src/models/pushClaim.ts).
    name: 'push_claims',
    ttl: 'push_claims.lease_until',
    run: async (now) =>
      (await PushClaim.deleteMany({ lease_until: { $lt: new Date(now.getTime() - HOUR_MS) } })).deletedCount,
  },
  {
    // MongoDB's TTL index keeps every key 7 days; here run keys go after 2 (src/models/jobRun.ts).
    name: 'job_runs',
    ttl: 'job_runs.created_at',
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
  // Per-user daily quota entries: the days before yesterday count for nothing. Their day
  // is a number, which no TTL index can read, so this sweep runs on every server.
  { name: 'quotas', run: cleanupQuotaHits },
];

/** Push outcomes older than PUSH_OUTCOME_RETENTION_DAYS. */
function outcomeSweep(config: Config): Sweep {
  return {
    name: 'push_outcomes',
    ttl: 'push_outcomes.at',
    run: async (now) => {
      const before = new Date(now.getTime() - config.PUSH_OUTCOME_RETENTION_DAYS * 24 * HOUR_MS);
      return (await PushOutcome.deleteMany({ at: { $lt: before } })).deletedCount;
    },
  };
}

/** Every sweep of the cleanup job, whether or not a TTL index replaces it. */
export function allSweeps(config: Config): Sweep[] {
  return [...workerSweeps, outcomeSweep(config), ...accountSweeps(config), ...opsSweeps(config)];
}

/**
/**
 * The sweeps to run, given the TTL indexes the server keeps (`collection.field`, from
 * ttlIndexNames; empty on the embedded database), and those the TTL indexes replace.
 */
export function plannedSweeps(
  config: Config,
  ttlIndexes: ReadonlySet<string>,
): { run: Sweep[]; skipped: Sweep[] } {
  const sweeps = allSweeps(config);
  const skip = (s: Sweep) => s.ttl !== undefined && ttlIndexes.has(s.ttl);
  return { run: sweeps.filter((s) => !skip(s)), skipped: sweeps.filter(skip) };
}

/**
 * Not an expiry, so on every server: account deletions started and never finished (a
 * process died halfway), each run again from the start, which finishes it
 * (src/services/privacy/deletion.ts).
 */
function deletionSweep(config: Config, logger: Logger): Sweep {
  return {
    name: 'account_deletions',
    run: (now) =>
      finishStalledDeletions({ logger, now: () => now }, config.ACCOUNT_DELETION_RESUME_MINUTES * MINUTE_MS),
  };
}

/**
 * Runs the sweeps no TTL index replaces, then finishes interrupted account deletions; one
 * failing does not stop the others.
 */
export async function runCleanup(
  now: Date,
  logger: Logger,
  config: Config,
  ttlIndexes: ReadonlySet<string> = new Set(),
): Promise<Record<string, number>> {
  const removed: Record<string, number> = {};
  for (const sweep of [...plannedSweeps(config, ttlIndexes).run, deletionSweep(config, logger)]) {
    try {
      removed[sweep.name] = await sweep.run(now);
    } catch (err) {
      logger.error({ err, task: sweep.name }, 'cleanup task failed');
    }
  }
  return removed;
}
