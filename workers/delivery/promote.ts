/**
 * Stage 0, promote: pushes due within SCHEDULE_AHEAD_MS move from push_schedule into
 * push_jobs (src/models/pushJob.ts), so that the worker's scans and deletes on push_jobs
 * cost what the next seconds hold, not what the coming months hold. Run every 5 s by one
 * worker (the periodic job 'promote', WORKER_PROMOTE_CRON) and once at each worker's start.
 *
 * Insert first, then delete: a run that dies in between leaves copies in both, and the
 * next run inserts them again (refused: same _id) and deletes them. A copy inserted again
 * after its push was sent and removed is refused by its claim (claims stay an hour) and
 * settled from its outcome. Only what is due before SCHEDULE_AHEAD_MS minus a margin is
 * deleted by its due time: the web puts a push into push_schedule only when it is due
 * after SCHEDULE_AHEAD_MS, so a push queued during the run is never deleted unread while
 * the clocks agree within the margin (both processes check their clock at start).
 */
import { insertEachIfAbsent } from '../../src/db/writeErrors';
import { PushJob, PushSchedule, SCHEDULE_AHEAD_MS } from '../../src/models/pushJob';

/** Clocks of web and worker may differ by this much (both warn at start beyond 1 s). */
const CLOCK_MARGIN_MS = 5_000;
const INSERT_BATCH = 1000;

/** Moves what is due soon; returns how many pushes were moved. */
export async function promoteDue(now: Date): Promise<number> {
  const t = now.getTime();
  // No limit and no sort: everything found is inserted before the range below is deleted.
  // Read from the driver, not the model: a push's text is moved as stored (encrypted,
  // src/models/encrypted.ts), never decrypted on the way.
  const due = await PushSchedule.collection
    .find({ due_at: { $lte: new Date(t + SCHEDULE_AHEAD_MS) } })
    .toArray();
  for (let i = 0; i < due.length; i += INSERT_BATCH) {
    await insertEachIfAbsent(PushJob.collection, due.slice(i, i + INSERT_BATCH) as never[]);
  }
  if (due.length > 0) {
    await PushSchedule.deleteMany({ due_at: { $lte: new Date(t + SCHEDULE_AHEAD_MS - CLOCK_MARGIN_MS) } });
  }
  return due.length;
}
