/**
 * The pushes queued for messages, wherever they wait: push_jobs (due within minutes) or
 * push_schedule (later; src/models/pushJob.ts).
 */
import type { QueryFilter } from 'mongoose';
import { PushJob, PushSchedule, type PushJobFields } from '../../src/models';

export async function findQueued(filter: QueryFilter<PushJobFields>) {
  const [near, later] = await Promise.all([PushJob.find(filter).lean(), PushSchedule.find(filter).lean()]);
  return [...near, ...later];
}

export async function countQueued(filter: QueryFilter<PushJobFields>): Promise<number> {
  return (await findQueued(filter)).length;
}
