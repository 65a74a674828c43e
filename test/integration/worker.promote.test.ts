/**
 * The two push queues on the real database: the web puts a push due within
 * SCHEDULE_AHEAD_MS into push_jobs and a later one into push_schedule, and the promote
 * job moves it into push_jobs seconds before it is due, once.
 */
import { Types } from 'mongoose';
import { PushJob, PushSchedule, SCHEDULE_AHEAD_MS } from '../../src/models';
import { queuePushes, unqueueMessages } from '../../src/services/pushes/queue';
import { promoteDue } from '../../workers/delivery/promote';
import { useTestDatabase } from '../helpers/db';

useTestDatabase();

const MINUTE = 60_000;
const push = (dueAt: Date) => ({
  kind: 'message' as const,
  user_id: new Types.ObjectId(),
  message_id: new Types.ObjectId(),
  label: 'Sent 1 year ago',
  due_at: dueAt,
});

beforeEach(async () => {
  await Promise.all([PushJob.deleteMany({}), PushSchedule.deleteMany({})]);
});

describe('the push queues', () => {
  it('when pushes are queued then those due within SCHEDULE_AHEAD_MS (20 s) go to push_jobs and later ones wait', async () => {
    const now = new Date();
    const soon = push(new Date(now.getTime() + SCHEDULE_AHEAD_MS));
    const later = push(new Date(now.getTime() + SCHEDULE_AHEAD_MS + 1));
    const nextYear = push(new Date(now.getTime() + 365 * 24 * 60 * MINUTE));
    await queuePushes([soon, later, nextYear], now);
    expect((await PushJob.find({}).lean()).map((j) => String(j.message_id))).toEqual([
      String(soon.message_id),
    ]);
    expect(await PushSchedule.countDocuments({})).toBe(2);
  });

  it('when the promote job runs then what falls due within 20 s moves once, with its fields', async () => {
    const now = new Date();
    const in10 = push(new Date(now.getTime() + 10 * MINUTE));
    const in60 = push(new Date(now.getTime() + 60 * MINUTE));
    await queuePushes([in10, in60], now);
    expect(await promoteDue(now)).toBe(0);
    const shortlyBefore = new Date(in10.due_at.getTime() - 15_000); // 15 s before it is due
    expect(await promoteDue(new Date(shortlyBefore.getTime() - 10_000))).toBe(0); // 25 s before
    expect(await promoteDue(shortlyBefore)).toBe(1);
    expect(await PushJob.find({}).lean()).toEqual([
      expect.objectContaining({
        kind: 'message',
        message_id: in10.message_id,
        label: 'Sent 1 year ago',
        due_at: in10.due_at,
      }),
    ]);
    expect((await PushSchedule.find({}).lean()).map((j) => String(j.message_id))).toEqual([
      String(in60.message_id),
    ]);
    expect(await promoteDue(shortlyBefore)).toBe(0);
    expect(await PushJob.countDocuments({})).toBe(1);
  });

  it('when a run died between its insert and its delete then the next run moves the copies without doubling them', async () => {
    const now = new Date();
    const job = push(new Date(now.getTime() + 10_000));
    const [doc] = await PushSchedule.insertMany([job]);
    await PushJob.collection.insertOne(doc!.toObject()); // the dead run's insert
    expect(await promoteDue(now)).toBe(1);
    expect(await PushJob.countDocuments({ message_id: job.message_id })).toBe(1);
    expect(await PushSchedule.countDocuments({})).toBe(0);
  });

  it('when a message is blocked or resent then its pushes leave both queues', async () => {
    const now = new Date();
    const near = push(new Date(now.getTime() + MINUTE));
    const far = { ...push(new Date(now.getTime() + 60 * MINUTE)), message_id: near.message_id };
    const other = push(new Date(now.getTime() + 60 * MINUTE));
    await queuePushes([near, far, other], now);
    await unqueueMessages([near.message_id]);
    expect(await PushJob.countDocuments({})).toBe(0);
    expect((await PushSchedule.find({}).lean()).map((j) => String(j.message_id))).toEqual([
      String(other.message_id),
    ]);
  });
});
