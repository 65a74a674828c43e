/**
 * Where the web queues a push (src/models/pushJob.ts): into push_jobs when it is due
 * within SCHEDULE_AHEAD_MS, else into push_schedule, from which the worker's promote job
 * moves it a few minutes before it is due. One insert per collection used.
 */
import type { Types } from 'mongoose';
import { PushJob, PushSchedule, SCHEDULE_AHEAD_MS, type PushJobFields } from '../../models/pushJob';

export type QueuedPush = Pick<PushJobFields, 'kind' | 'user_id' | 'due_at'> &
  Partial<Pick<PushJobFields, 'label' | 'text' | 'created_at'>> & {
    _id?: Types.ObjectId;
    message_id?: Types.ObjectId | null;
  };

export async function queuePushes(jobs: readonly QueuedPush[], now: Date): Promise<void> {
  const soon = now.getTime() + SCHEDULE_AHEAD_MS;
  const near = jobs.filter((j) => j.due_at.getTime() <= soon);
  const later = jobs.filter((j) => j.due_at.getTime() > soon);
  await Promise.all([
    near.length > 0 && PushJob.insertMany(near),
    later.length > 0 && PushSchedule.insertMany(later),
  ]);
}

/** Removes every queued push of these messages, wherever it waits (block, resend). */
export async function unqueueMessages(messageIds: readonly Types.ObjectId[]): Promise<void> {
  if (messageIds.length === 0) return;
  const filter = { message_id: { $in: [...messageIds] } };
  await Promise.all([PushJob.deleteMany(filter), PushSchedule.deleteMany(filter)]);
}
