/**
 * What the console's Queue and Workers sections and `admin status` show (README
 * "Operating"): the due backlog and the age of its oldest push, from push_jobs; delivery
 * lag p50/p99 over the last hour and pushes by outcome and provider over the last hour
 * and day, summed from the workers' heartbeats (src/models/workerBeat.ts); the workers
 * and their periodic jobs, from their states; the pause switch.
 *
 * The figures come from heartbeats rather than from push_outcomes so that their cost
 * follows the number of workers, not of pushes (a New-Year hour records a million
 * outcomes); they are as fresh as the last beat (WORKER_HEARTBEAT_S), and a worker that
 * dies loses at most its last interval's figures (the outcomes themselves stay).
 */
import {
  LAG_BUCKETS_MS,
  bucketQuantile,
  quantileBeyond,
  sumIntervals,
  workerStates,
  type BeatInterval,
  type OutcomeCount,
} from '../../domain/opsFigures';
import { DAY_MS, HOUR_MS } from '../../domain/time';
import { PushJob, countDueJobs } from '../../models/pushJob';
import { WorkerBeat, WorkerState, type WorkerStateFields } from '../../models/workerBeat';
import { deliverySwitch, type DeliverySwitch } from './pause';

export interface JobView {
  name: string;
  last?: { at: Date; ok: boolean; result: string; ms: number; worker: string };
  next_at?: Date;
}

export interface WorkerView {
  worker: string;
  dyno?: string;
  alive: boolean;
  last_beat: Date;
  started_at: Date;
  paused: boolean;
  in_flight: number;
  /** Android pushes a second it paces to (README "The wake-up wave"); absent: unpaced. */
  android_rate?: number;
}

export interface QueueStatus {
  at: Date;
  backlog: number;
  /** Seconds since the oldest due push was due; 0 without a backlog. */
  oldest_due_s: number;
  /** `over`: that quantile is beyond the histogram's last bound (p50/p99 say that bound). */
  lag_ms: { p50?: number; p99?: number; sent: number; p50_over?: true; p99_over?: true };
  outcomes: { hour: OutcomeCount[]; day: OutcomeCount[] };
  delivery: DeliverySwitch;
  workers: WorkerView[];
  jobs: JobView[];
}

type State = WorkerStateFields & { _id: string };

interface JobReportDoc {
  name: string;
  last?: { at: Date | string; ok: boolean; result: string; ms: number };
  next_at?: Date | string | null;
}

/**
 * A day of beats is 5,760 per worker at the default interval: their interval is all we
 * read, in batches of BEATS_BATCH (the driver's default of 101 took 46 round trips for 2
 * workers).
 */
const BEAT_INTERVAL = { _id: 0, at: 1, interval: 1 } as const;
const BEATS_BATCH = 10_000;

/** The oldest due push: a sorted read of push_jobs on MongoDB's {due_at: 1} index. */
async function oldestDue(now: Date): Promise<Date | undefined> {
  const job = await PushJob.findOne({ due_at: { $lte: now } }, { due_at: 1 })
    .sort({ due_at: 1 })
    .lean<{ due_at: Date }>();
  return job?.due_at;
}

/** Each job's latest run over all workers (each slot ran in one), and its soonest next run. */
function jobViews(states: { beat: State; alive: boolean }[]): JobView[] {
  const views = new Map<string, JobView>();
  for (const { beat, alive } of states) {
    for (const job of (beat.jobs ?? []) as JobReportDoc[]) {
      const view = views.get(job.name) ?? { name: job.name };
      if (job.last) {
        const at = new Date(job.last.at);
        if (!view.last || view.last.at < at) view.last = { ...job.last, at, worker: beat.worker };
      }
      if (alive && job.next_at) {
        const next = new Date(job.next_at);
        if (!view.next_at || next < view.next_at) view.next_at = next;
      }
      views.set(job.name, view);
    }
  }
  return [...views.values()];
}

export async function queueStatus(now: Date): Promise<QueueStatus> {
  const dayAgo = new Date(now.getTime() - DAY_MS);
  const hourAgo = new Date(now.getTime() - HOUR_MS);
  const [backlog, oldest, beats, delivery, workers] = await Promise.all([
    countDueJobs(now),
    oldestDue(now),
    WorkerBeat.find({ at: { $gte: dayAgo } }, BEAT_INTERVAL)
      .batchSize(BEATS_BATCH)
      .lean<BeatInterval[]>(),
    deliverySwitch(),
    WorkerState.find({ at: { $gte: dayAgo } }).lean<State[]>(),
  ]);
  const hour = sumIntervals(beats, hourAgo, LAG_BUCKETS_MS.length);
  const day = sumIntervals(beats, dayAgo, LAG_BUCKETS_MS.length);
  const states = workerStates(workers, now);
  const round = (v: number | undefined) => (v === undefined ? undefined : Math.round(v));
  return {
    at: now,
    backlog,
    oldest_due_s: oldest ? Math.max(0, Math.round((now.getTime() - oldest.getTime()) / 1000)) : 0,
    lag_ms: {
      p50: round(bucketQuantile(LAG_BUCKETS_MS, hour.lagCounts, 0.5)),
      p99: round(bucketQuantile(LAG_BUCKETS_MS, hour.lagCounts, 0.99)),
      sent: hour.lagCounts.reduce((a, b) => a + b, 0),
      ...(quantileBeyond(LAG_BUCKETS_MS, hour.lagCounts, 0.5) && { p50_over: true as const }),
      ...(quantileBeyond(LAG_BUCKETS_MS, hour.lagCounts, 0.99) && { p99_over: true as const }),
    },
    outcomes: { hour: hour.outcomes, day: day.outcomes },
    delivery,
    workers: states.map(({ beat, alive }) => ({
      worker: beat.worker,
      dyno: beat.dyno ?? undefined,
      alive,
      last_beat: beat.at,
      started_at: beat.started_at,
      paused: beat.paused ?? false,
      in_flight: (beat.figures as { inFlight?: number } | undefined)?.inFlight ?? 0,
      ...(typeof beat.android_rate === 'number' && { android_rate: Math.round(beat.android_rate * 10) / 10 }),
    })),
    jobs: jobViews(states),
  };
}
