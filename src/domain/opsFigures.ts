/**
 * The operator console's arithmetic (README "Operating"), free of any database: coming
 * peaks by hour and day, quantiles from histogram buckets, sums of the workers'
 * heartbeat intervals, which workers are alive, and a device token's fingerprint.
 */
import { createHash } from 'node:crypto';
import { DAY_MS, HOUR_MS } from './time';

/** Upper bounds (ms) of the push lag histogram buckets; the last bucket is +Inf. */
export const LAG_BUCKETS_MS = [50, 100, 250, 500, 1_000, 2_000, 5_000, 10_000, 30_000, 60_000, 300_000];
/** Upper bounds (ms) of the provider latency buckets (one call, connection included). */
export const PROVIDER_BUCKETS_MS = [10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000];

/** The platform a push provider serves (a metric label beside the provider); '' for none. */
export function platformOfProvider(provider: string): string {
  return provider === 'fcm' ? 'android' : provider === 'apns' ? 'ios' : '';
}

export const PEAK_HOURS = 48;
export const PEAK_DAYS = 60;

export interface PeakBar {
  /** Start of the hour or UTC day. */
  start: Date;
  count: number;
}

export interface Peaks {
  hours: PeakBar[];
  days: PeakBar[];
  /** Pushes due in the whole window (the next PEAK_DAYS days). */
  total: number;
}

/** The window `dueDates` must cover: from `now` to the end of the last day shown. */
export function peakWindow(now: Date): { from: Date; until: Date } {
  const today = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
  return { from: now, until: new Date(today + PEAK_DAYS * DAY_MS) };
}

/**
 * Pushes due per hour for the next PEAK_HOURS hours (the current hour first) and per UTC
 * day for the next PEAK_DAYS days (today first), from their due times. Times before
 * `now` or after the window are not counted.
 */
export function bucketPeaks(dueTimes: Iterable<number>, now: Date): Peaks {
  const hour0 = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS;
  const day0 = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
  const hours = Array.from({ length: PEAK_HOURS }, (_, i) => ({
    start: new Date(hour0 + i * HOUR_MS),
    count: 0,
  }));
  const days = Array.from({ length: PEAK_DAYS }, (_, i) => ({
    start: new Date(day0 + i * DAY_MS),
    count: 0,
  }));
  let total = 0;
  for (const t of dueTimes) {
    if (t < now.getTime()) continue;
    const d = Math.floor((t - day0) / DAY_MS);
    if (d >= PEAK_DAYS) continue;
    days[d]!.count += 1;
    total += 1;
    const h = Math.floor((t - hour0) / HOUR_MS);
    if (h < PEAK_HOURS) hours[h]!.count += 1;
  }
  return { hours, days, total };
}

/**
 * The q-quantile of a histogram (bucket upper bounds, non-cumulative counts with a last
 * +Inf bucket), interpolated linearly within its bucket as Prometheus'
 * histogram_quantile does; the last finite bound when it falls in +Inf; undefined
 * without observations.
 */
export function bucketQuantile(
  bounds: readonly number[],
  counts: readonly number[],
  q: number,
): number | undefined {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return undefined;
  const rank = q * total;
  let below = 0;
  for (let i = 0; i < counts.length; i++) {
    const n = counts[i]!;
    if (n > 0 && below + n >= rank) {
      if (i >= bounds.length) return bounds[bounds.length - 1];
      const lower = i === 0 ? 0 : bounds[i - 1]!;
      return lower + (bounds[i]! - lower) * ((rank - below) / n);
    }
    below += n;
  }
  return bounds[bounds.length - 1];
}

/** Whether the q-quantile falls in the +Inf bucket (bucketQuantile then says the last bound). */
export function quantileBeyond(bounds: readonly number[], counts: readonly number[], q: number): boolean {
  const total = counts.reduce((a, b) => a + b, 0);
  const finite = counts.slice(0, bounds.length).reduce((a, b) => a + b, 0);
  return total > 0 && q * total > finite;
}

/** What a heartbeat says a worker did in its interval (src/models/workerBeat.ts). */
export interface BeatInterval {
  at: Date;
  interval?: { deliveries?: Record<string, number>; lag?: { counts?: number[] } } | null;
}

export interface OutcomeCount {
  outcome: string;
  provider: string;
  count: number;
}

export interface DeliverySums {
  /** By outcome and provider, most first. */
  outcomes: OutcomeCount[];
  /** Lag bucket counts of the pushes sent (LAG_BUCKETS_MS, non-cumulative). */
  lagCounts: number[];
}

/** Sums the intervals of the beats at or after `since`. */
export function sumIntervals(beats: readonly BeatInterval[], since: Date, lagBuckets: number): DeliverySums {
  const byKey = new Map<string, number>();
  const lagCounts = new Array<number>(lagBuckets + 1).fill(0);
  for (const beat of beats) {
    if (beat.at < since || !beat.interval) continue;
    for (const [key, n] of Object.entries(beat.interval.deliveries ?? {})) {
      byKey.set(key, (byKey.get(key) ?? 0) + n);
    }
    (beat.interval.lag?.counts ?? []).forEach((n, i) => {
      if (i < lagCounts.length) lagCounts[i]! += n;
    });
  }
  const outcomes = [...byKey].map(([key, count]) => {
    const [outcome = '', provider = ''] = key.split(':');
    return { outcome, provider, count };
  });
  outcomes.sort((a, b) => b.count - a.count || a.outcome.localeCompare(b.outcome));
  return { outcomes, lagCounts };
}

export interface BeatSummary {
  worker: string;
  dyno?: string | null;
  at: Date;
  started_at: Date;
  interval_s: number;
}

export interface WorkerState<B extends BeatSummary> {
  beat: B;
  alive: boolean;
}

/**
 * The newest beat of each worker, and whether it is alive: a worker silent for two of
 * its intervals is gone. Alive ones first, then by name.
 */
export function workerStates<B extends BeatSummary>(beats: readonly B[], now: Date): WorkerState<B>[] {
  const newest = new Map<string, B>();
  for (const b of beats) {
    const seen = newest.get(b.worker);
    if (!seen || seen.at < b.at) newest.set(b.worker, b);
  }
  return [...newest.values()]
    .map((beat) => ({ beat, alive: now.getTime() - beat.at.getTime() <= 2 * beat.interval_s * 1000 }))
    .sort((a, b) => Number(b.alive) - Number(a.alive) || a.beat.worker.localeCompare(b.beat.worker));
}

/** How a device token is named in logs and the action log: never the token itself. */
export function tokenFingerprint(token: string): string {
  return `token#${createHash('sha256').update(token).digest('hex').slice(0, 10)}`;
}
