/**
 * Stage 1, find due: one read of the push queue returns the oldest jobs due now (and
 * those due within `horizonMs`, to know when to wake). On the embedded database the read
 * scans push_jobs, so the loop reads many jobs at once and launches them over several
 * claim batches (loop.ts) instead of reading for every few free slots.
 */
import { PushJob, type PushJobFields } from '../../src/models/pushJob';
import type { JobRecord } from './types';

/** When the job may run: its due time, or later while backing off after an error. */
export function readyAt(job: Pick<PushJobFields, 'due_at' | 'run_at'>): number {
  return Math.max(job.due_at.getTime(), job.run_at?.getTime() ?? 0);
}

/**
 * Jobs due by now + horizonMs, at most `limit`. No sort: on MongoDB the {due_at: 1}
 * index returns them oldest first anyway; the embedded database sorts in memory after
 * reading the whole collection (630 ms for 12,000 jobs), while without a sort it stops
 * reading at `limit` matches (22 ms), in insertion order, which is close to due order.
 */
export function findDue(now: number, horizonMs: number, limit: number): Promise<JobRecord[]> {
  const horizon = new Date(now + horizonMs);
  return PushJob.find({
    due_at: { $lte: horizon },
    $or: [{ run_at: { $exists: false } }, { run_at: { $lte: horizon } }],
  })
    .limit(limit)
    .lean<JobRecord[]>()
    .exec();
}
