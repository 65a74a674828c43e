/**
 * The coming peaks (README "Operating"): pushes falling due per hour for the next 48
 * hours and per day for the next 60 days, from push_schedule and push_jobs (every queued
 * push is in one of them; a blocked message's pushes are removed, so they count what the
 * workers will send). One read of each over the {due_at: 1} index, asking for due_at
 * alone: on MongoDB a covered query, index keys only, no document read. Bucketed here
 * (src/domain/opsFigures.ts). The cost grows with the pushes of the next 60 days, so one
 * answer is shared for PEAKS_CACHE_MS by every request of this process.
 */
import { PushJob, PushSchedule } from '../../models/pushJob';
import { bucketPeaks, peakWindow, type Peaks } from '../../domain/opsFigures';

export const PEAKS_CACHE_MS = 30_000;
const BATCH_SIZE = 10_000;

async function dueTimes(model: typeof PushJob, from: Date, until: Date, into: number[]): Promise<void> {
  const cursor = model.collection.find(
    { due_at: { $gte: from, $lt: until } },
    { projection: { _id: 0, due_at: 1 }, batchSize: BATCH_SIZE },
  );
  for await (const doc of cursor) into.push((doc.due_at as Date).getTime());
}

/** Reads and buckets the peaks from `now`. */
export async function readPeaks(now: Date): Promise<Peaks> {
  const { from, until } = peakWindow(now);
  const times: number[] = [];
  await Promise.all([dueTimes(PushSchedule, from, until, times), dueTimes(PushJob, from, until, times)]);
  return bucketPeaks(times, now);
}

let cached: { at: number; peaks: Promise<Peaks> } | undefined;

/** The peaks, read again at most every PEAKS_CACHE_MS (`fresh` reads now). */
export function comingPeaks(now: Date, fresh = false): Promise<Peaks> {
  if (!fresh && cached && now.getTime() - cached.at < PEAKS_CACHE_MS && now.getTime() >= cached.at)
    return cached.peaks;
  const peaks = readPeaks(now);
  cached = { at: now.getTime(), peaks };
  peaks.catch(() => (cached = undefined));
  return peaks;
}
