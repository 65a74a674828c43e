/**
 * Safety net for a crash of the web process between storing a message and storing its
 * push job: due pending messages with a receiver and no job get one. Only messages due
 * for a while (the web inserts the job right after the message) and within the last day
 * (older pending messages are not this crash's doing) are looked at.
 *
 * The worker records a message before it removes its job, so a message is re-read right
 * before the job check: one delivered meanwhile is skipped, and a job made for one
 * delivered in the instant between is harmless (the worker drops it as done). Two sweeps
 * running at once (a slow run in one worker, the next slot in another) must not both
 * queue a job: each re-queue first inserts the once-only key
 * `requeue:<message id>:<delivery time>`.
 */
import type { Types } from 'mongoose';
import type { Logger } from '../../src/logger';
import { Message } from '../../src/models/message';
import { PushJob } from '../../src/models/pushJob';
import { forgetOnce, takeOnce } from './runs';

export const SWEEP_GRACE_MS = 2 * 60_000;
export const SWEEP_WINDOW_MS = 24 * 3600_000;
const SWEEP_LIMIT = 1000;

interface Candidate {
  _id: Types.ObjectId;
  receiver_id: Types.ObjectId;
  delivery_time: Date;
}

/** Still pending at the same delivery time, unblocked, and still without a job. */
async function stillOrphan(m: Candidate): Promise<boolean> {
  const fresh = await Message.findById(m._id).select({ state: 1, blocked: 1, delivery_time: 1 }).lean();
  if (!fresh || fresh.state !== 'pending' || fresh.blocked) return false;
  if (fresh.delivery_time.getTime() !== m.delivery_time.getTime()) return false;
  return (await PushJob.exists({ message_id: m._id })) === null;
}

async function requeue(m: Candidate, workerId: string, now: Date): Promise<boolean> {
  const key = `requeue:${m._id.toString()}:${m.delivery_time.getTime()}`;
  if (!(await takeOnce(key, 'run', workerId, now))) return false;
  const job = {
    kind: 'message' as const,
    user_id: m.receiver_id,
    message_id: m._id,
    due_at: m.delivery_time,
  };
  await PushJob.create(job).catch(async (err: unknown) => {
    await forgetOnce(key).catch(() => undefined); // the next sweep tries again
    throw err;
  });
  return true;
}

export async function sweepOrphanMessages(now: Date, logger: Logger, workerId: string): Promise<number> {
  const t = now.getTime();
  const messages = await Message.find({
    state: 'pending',
    delivery_time: { $gte: new Date(t - SWEEP_WINDOW_MS), $lte: new Date(t - SWEEP_GRACE_MS) },
    blocked: { $ne: true },
    receiver_id: { $ne: null },
  })
    .select({ receiver_id: 1, delivery_time: 1 })
    .limit(SWEEP_LIMIT)
    .lean();
  // One query for the jobs of the whole batch (a backlog means many pending messages).
  const withJob = new Set(
    (
      await PushJob.find({ message_id: { $in: messages.map((m) => m._id) } })
        .select({ message_id: 1 })
        .lean()
    ).map((j) => String(j.message_id)),
  );
  let queued = 0;
  for (const m of messages) {
    if (!m.receiver_id || withJob.has(String(m._id))) continue;
    const candidate = { _id: m._id, receiver_id: m.receiver_id, delivery_time: m.delivery_time };
    if (!(await stillOrphan(candidate)) || !(await requeue(candidate, workerId, now))) continue;
    logger.warn({ message_id: m._id.toString() }, 'due message had no push job; queued');
    queued += 1;
  }
  return queued;
}
