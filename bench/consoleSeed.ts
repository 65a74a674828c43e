/**
 * The data of the `console` phase (bench/console.ts), written in bulk with the raw driver
 * as the server writes it:
 * - push_schedule: pushes spread over the console's 60 days, a share of them in one peak
 *   hour (the hour after next New Year's midnight UTC when it falls inside, else the hour
 *   30 days ahead); the messages themselves are not stored (the console never reads them);
 * - push_jobs: a backlog due within the last 10 minutes;
 * - push_outcomes: failed and dead-token pushes of the last 7 days, of five reasons as the
 *   providers word them (src/push/fcm.ts, apns.ts), a few of them requeued (push_requeues);
 * - worker_beats: 24 h of heartbeats per worker, built as workers/heartbeat.ts builds them
 *   (a DeliveryMetrics driven push by push, takeInterval()), and worker_states: each
 *   worker's figures (storable(snapshot())) and jobs, as its newest beat wrote them;
 * - ops_actions: a page of operators' actions.
 */
import { ObjectId, type Db, type Document } from 'mongodb';
import { peakWindow } from '../src/domain/opsFigures';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../src/domain/time';
import { storable } from '../workers/heartbeat';
import { DeliveryMetrics, type Outcome, type Provider } from '../workers/delivery/metrics';
import { endStep, step } from './progress';

export const SEED_BATCH = 500;
/** Share of the scheduled pushes due in the peak hour. */
export const PEAK_SHARE = 0.3;
export const HEARTBEAT_S = 15; // WORKER_HEARTBEAT_S's default
export const BEATS_PER_WORKER = (24 * 3600) / HEARTBEAT_S; // 5,760: the console's "last day"
/** Pushes one worker finishes in an interval, on average (1 a second). */
const PUSHES_PER_BEAT = HEARTBEAT_S;

/** Reasons of failed pushes, with their share and what the outcome records. */
export const FAILURE_REASONS = [
  {
    share: 0.4,
    outcome: 'dead_token',
    provider: 'fcm',
    attempts: 1,
    reason: 'fcm 404 UNREGISTERED Requested entity was not found.',
  },
  { share: 0.25, outcome: 'dead_token', provider: 'apns', attempts: 1, reason: 'apns 410 Unregistered' },
  { share: 0.15, outcome: 'dead_token', provider: 'apns', attempts: 1, reason: 'apns 400 BadDeviceToken' },
  {
    share: 0.12,
    outcome: 'failed',
    provider: 'fcm',
    attempts: 10,
    reason: 'gave up after 10 attempts: fcm 503 UNAVAILABLE',
  },
  {
    share: 0.08,
    outcome: 'failed',
    provider: 'fcm',
    attempts: 1,
    reason: 'fcm 400 INVALID_ARGUMENT Request contains an invalid argument.',
  },
] as const;

/** What one finished push was, drawn by its share (a New-Year evening's mix). */
const PUSH_MIX: { share: number; outcome: Outcome; provider: Provider | '' }[] = [
  { share: 0.55, outcome: 'sent', provider: 'fcm' },
  { share: 0.3, outcome: 'sent', provider: 'apns' },
  { share: 0.06, outcome: 'no_token', provider: '' },
  { share: 0.02, outcome: 'dead_token', provider: 'fcm' },
  { share: 0.015, outcome: 'dead_token', provider: 'apns' },
  { share: 0.005, outcome: 'failed', provider: 'fcm' },
  { share: 0.02, outcome: 'retry', provider: 'fcm' },
  { share: 0.01, outcome: 'retry', provider: 'apns' },
  { share: 0.02, outcome: 'dropped', provider: '' },
];

function draw<T extends { share: number }>(xs: readonly T[]): T {
  let r = Math.random();
  for (const x of xs) if ((r -= x.share) < 0) return x;
  return xs[xs.length - 1]!;
}

/** Writes `n` documents made by `make(i)` in batches of SEED_BATCH; the seconds it took. */
async function insertMade(db: Db, collection: string, n: number, make: (i: number) => Document) {
  const started = Date.now();
  for (let i = 0; i < n; i += SEED_BATCH) {
    const docs = Array.from({ length: Math.min(SEED_BATCH, n - i) }, (_, k) => make(i + k));
    await db.collection(collection).insertMany(docs, { ordered: false });
    step(`console: seeding ${collection}`, i + docs.length, n);
  }
  endStep();
  return { collection, docs: n, seconds: (Date.now() - started) / 1000 };
}

export type SeedPart = Awaited<ReturnType<typeof insertMade>>;

/**
 * The peak hour: New Year's first hour when it falls inside the scheduled span, else the
 * hour 30 days ahead.
 */
export function peakHour(now: Date, span: { from: number; until: number }): Date {
  const newYear = Date.UTC(now.getUTCFullYear() + 1, 0, 1);
  if (newYear >= span.from && newYear + HOUR_MS <= span.until) return new Date(newYear);
  return new Date(Math.floor((now.getTime() + 30 * DAY_MS) / HOUR_MS) * HOUR_MS);
}

/**
 * Where the scheduled pushes fall: from an hour after `now` (no repetition's clock passes
 * one) to a day before the end of the window (a run across midnight UTC keeps them all).
 */
export function scheduleSpan(now: Date): { from: number; until: number } {
  return { from: now.getTime() + HOUR_MS, until: peakWindow(now).until.getTime() - DAY_MS };
}

function pushDoc(due: number, now: Date): Document {
  return {
    _id: new ObjectId(),
    kind: 'message',
    user_id: new ObjectId(),
    message_id: new ObjectId(),
    label: 'Sent 1 year ago',
    due_at: new Date(due),
    created_at: new Date(now.getTime() - Math.random() * 365 * DAY_MS),
  };
}

export function seedSchedule(db: Db, n: number, now: Date, peak: Date) {
  const { from, until } = scheduleSpan(now);
  const peaked = Math.round(n * PEAK_SHARE);
  return insertMade(db, 'push_schedule', n, (i) =>
    pushDoc(
      i < peaked ? peak.getTime() + Math.random() * HOUR_MS : from + Math.random() * (until - from),
      now,
    ),
  );
}

/** Pushes due within the last 10 minutes and not sent yet (at least a second ago). */
export function seedBacklog(db: Db, n: number, now: Date) {
  const due = () => now.getTime() - 1_000 - Math.random() * 10 * MINUTE_MS;
  return insertMade(db, 'push_jobs', n, () => pushDoc(due(), now));
}

/** Failures of the last 7 days; every 20th one requeued by an operator. */
export async function seedFailures(db: Db, n: number, now: Date): Promise<SeedPart[]> {
  const ids: string[] = [];
  const outcomes = await insertMade(db, 'push_outcomes', n, () => {
    const r = draw(FAILURE_REASONS);
    const at = new Date(now.getTime() - Math.random() * 7 * DAY_MS);
    const _id = new ObjectId().toHexString();
    ids.push(_id);
    return {
      _id,
      kind: 'message',
      message_id: new ObjectId(),
      user_id: new ObjectId(),
      outcome: r.outcome,
      reason: r.reason,
      provider: r.provider,
      attempts: r.attempts,
      due_at: new Date(at.getTime() - r.attempts * MINUTE_MS),
      at,
      worker: 'worker.1',
    };
  });
  const requeued = ids.filter((_, i) => i % 20 === 0);
  const requeues = await insertMade(db, 'push_requeues', requeued.length, (i) => ({
    _id: requeued[i]!,
    job_id: new ObjectId(),
    by: 'operator-1a2b3c',
    at: now,
  }));
  return [outcomes, requeues];
}

/**
 * A bench worker's counters: the worker sorts its 10,000 recent lags twice a beat for
 * p50/p99 (5 ms here), which over 24 h of beats would be most of the seeding time; here
 * they are sorted once every 40 beats (10 minutes) and reused in between.
 */
class SeedMetrics extends DeliveryMetrics {
  private quantiles = new Map<number, number>();
  private beats = 0;

  nextBeat(): void {
    if (this.beats++ % 40 === 0) this.quantiles.clear();
  }

  override lagQuantile(q: number): number {
    let v = this.quantiles.get(q);
    if (v === undefined) this.quantiles.set(q, (v = super.lagQuantile(q)));
    return v;
  }
}

/** One interval's pushes, as the delivery loop counts them. */
function drive(m: SeedMetrics): void {
  const pushes = Math.round(PUSHES_PER_BEAT * (0.5 + Math.random()));
  for (let i = 0; i < pushes; i++) {
    const { outcome, provider } = draw(PUSH_MIX);
    m.count(outcome, provider);
    if (provider) m.observeProviderLatency(provider, 30 + Math.random() * 170);
    // Lag from due to the provider's answer: mostly under a second, a tail to minutes.
    if (outcome === 'sent') m.observeLag(200 * Math.exp(Math.random() * 2 + (Math.random() < 0.02 ? 5 : 0)));
  }
  m.inFlight = Math.floor(Math.random() * 8);
}

/** The periodic jobs as a worker reports them in its beats (workers/periodic/schedule.ts). */
function jobsAt(at: number) {
  const minute = Math.floor(at / MINUTE_MS) * MINUTE_MS;
  const job = (name: string, pattern: string, last: number, next: number, result: string) => ({
    name,
    pattern,
    last: { at: new Date(last), ok: true, result, ms: 3 + Math.floor(Math.random() * 40) },
    next_at: new Date(next),
  });
  const hour = Math.floor(at / HOUR_MS) * HOUR_MS;
  return [
    job(
      'promote',
      '*/5 * * * * *',
      at - (at % 5_000),
      at - (at % 5_000) + 5_000,
      String(Math.floor(Math.random() * 30)),
    ),
    job('sweep', '* * * * *', minute, minute + MINUTE_MS, '0'),
    job(
      'reminder',
      '*/15 * * * *',
      at - (at % (15 * MINUTE_MS)),
      at - (at % (15 * MINUTE_MS)) + 15 * MINUTE_MS,
      '{"sent":0}',
    ),
    job(
      'cleanup',
      '17 * * * *',
      hour - HOUR_MS + 17 * MINUTE_MS,
      hour + 17 * MINUTE_MS,
      '{"sessions":12,"claims":3,"runs":720}',
    ),
  ];
}

/**
 * 24 h of beats of each of `workers` workers, the newest within the last interval, and
 * each worker's state as its newest beat wrote it (figures, jobs).
 */
export async function seedBeats(db: Db, workers: number, now: Date) {
  const intervalMs = HEARTBEAT_S * 1000;
  const startedAt = new Date(now.getTime() - DAY_MS - HOUR_MS);
  const metrics = Array.from({ length: workers }, () => new SeedMetrics());
  const newest = Array.from({ length: workers }, () => now.getTime() - Math.random() * intervalMs);
  // Oldest first, worker after worker within an interval, as they are inserted live.
  const name = (w: number) => `bench-worker-${w + 1}:${4000 + w}:a1b2c${w}`; // host:pid:random, as createWorker names it
  const beats = await insertMade(db, 'worker_beats', workers * BEATS_PER_WORKER, (i) => {
    const w = i % workers;
    const m = metrics[w]!;
    const at = newest[w]! - (BEATS_PER_WORKER - 1 - Math.floor(i / workers)) * intervalMs;
    m.nextBeat();
    drive(m);
    const worker = name(w);
    return {
      _id: `${worker}:${Math.floor(at / intervalMs)}`,
      worker,
      dyno: `worker.${w + 1}`,
      at: new Date(at),
      started_at: startedAt,
      interval_s: HEARTBEAT_S,
      paused: false,
      interval: m.takeInterval(),
    };
  });
  await db.collection('worker_states').insertMany(
    metrics.map((m, w) => ({
      _id: name(w) as never,
      worker: name(w),
      dyno: `worker.${w + 1}`,
      at: new Date(newest[w]!),
      started_at: startedAt,
      interval_s: HEARTBEAT_S,
      paused: false,
      figures: storable(m.snapshot()),
      jobs: jobsAt(newest[w]!),
    })),
  );
  return beats;
}

export function seedActions(db: Db, n: number, now: Date) {
  return insertMade(db, 'ops_actions', n, (i) => ({
    at: new Date(now.getTime() - i * HOUR_MS),
    by: i % 3 ? 'operator-1a2b3c' : 'cli@run.1',
    action: 'requeue',
    target: new ObjectId().toHexString(),
    result: 'queued',
    ok: true,
  }));
}
