/**
 * Safety net for a crash of the web process between storing a message and storing its
 * push job (or between claiming bottles and queuing theirs): messages due a little while
 * ago (the web inserts the job right after the message) with a receiver, no push job and
 * no push outcome for their delivery time get a job.
 *
 * Only messages due in the last SWEEP_WINDOW_MS are looked at: the worker does not mark
 * messages (their push is recorded in push_outcomes), so every message recently due is a
 * candidate, and the window keeps a run's cost to the messages of a quarter of an hour.
 * The sweep runs every minute, so each message is looked at a dozen times.
 *
 * The worker records an outcome before it removes the job, so the jobs are read before
 * the outcomes: a job gone between the two reads has its outcome in by the second. Two
 * sweeps running at once (a slow run in one worker, the next slot in another) must not
 * both queue a job: each re-queue first inserts the once-only key
 * `requeue:<message id>:<delivery time>`.
 */
import type { Types } from 'mongoose';
import type { Logger } from '../../src/logger';
import { MINUTE_MS } from '../../src/domain/time';
import { Message } from '../../src/models/message';
import { PushJob, PushSchedule } from '../../src/models/pushJob';
import { PushOutcome } from '../../src/models/pushOutcome';
import { forgetOnce, takeOnce } from './runs';

export const SWEEP_GRACE_MS = 2 * MINUTE_MS;
export const SWEEP_WINDOW_MS = 15 * MINUTE_MS;
const PAGE = 1000;
const MAX_PAGES = 50;

interface Candidate {
  _id: Types.ObjectId;
  receiver_id: Types.ObjectId;
  delivery_time: Date;
  receive_label: string;
}

/** Still unblocked and at the same delivery time (re-read: it may have changed since). */
async function unchanged(m: Candidate): Promise<boolean> {
  const fresh = await Message.findById(m._id).select({ blocked: 1, delivery_time: 1 }).lean();
  return !!fresh && !fresh.blocked && fresh.delivery_time.getTime() === m.delivery_time.getTime();
}

async function requeue(m: Candidate, workerId: string, now: Date): Promise<boolean> {
  const key = `requeue:${m._id.toString()}:${m.delivery_time.getTime()}`;
  if (!(await takeOnce(key, 'run', workerId, now))) return false;
  const job = {
    kind: 'message' as const,
    user_id: m.receiver_id,
    message_id: m._id,
    label: m.receive_label,
    due_at: m.delivery_time,
  };
  await PushJob.create(job).catch(async (err: unknown) => {
    await forgetOnce(key).catch(() => undefined); // the next sweep tries again
    throw err;
  });
  return true;
}

/** The candidates of one page that have neither a queued job nor an outcome for their time. */
async function orphansOf(page: Candidate[]): Promise<Candidate[]> {
  const ids = page.map((m) => m._id);
  const [near, later] = await Promise.all(
    [PushJob, PushSchedule].map((queue) =>
      queue
        .find({ message_id: { $in: ids } })
        .select({ message_id: 1 })
        .lean(),
    ),
  );
  const withJob = new Set([...near!, ...later!].map((j) => String(j.message_id)));
  const rest = page.filter((m) => !withJob.has(String(m._id)));
  if (rest.length === 0) return [];
  const outcomes = await PushOutcome.find({ message_id: { $in: rest.map((m) => m._id) } })
    .select({ message_id: 1, due_at: 1 })
    .lean();
  const pushed = new Set(outcomes.map((o) => `${String(o.message_id)}:${o.due_at.getTime()}`));
  return rest.filter((m) => !pushed.has(`${String(m._id)}:${m.delivery_time.getTime()}`));
}

export async function sweepOrphanMessages(now: Date, logger: Logger, workerId: string): Promise<number> {
  const t = now.getTime();
  let queued = 0;
  for (let pages = 0; pages < MAX_PAGES; pages++) {
    // Pages by position: thousands of messages may share one delivery time.
    const page = (await Message.find({
      delivery_time: { $gte: new Date(t - SWEEP_WINDOW_MS), $lte: new Date(t - SWEEP_GRACE_MS) },
      blocked: { $ne: true },
      receiver_id: { $ne: null },
    })
      .select({ receiver_id: 1, delivery_time: 1, receive_label: 1 })
      .sort({ delivery_time: 1, _id: 1 })
      .skip(pages * PAGE)
      .limit(PAGE)
      .lean()) as Candidate[];
    for (const m of await orphansOf(page)) {
      if (!(await unchanged(m)) || !(await requeue(m, workerId, now))) continue;
      logger.warn({ message_id: m._id.toString() }, 'due message had no push job; queued');
      queued += 1;
    }
    if (page.length < PAGE) break;
  }
  return queued;
}
