/**
 * The worker's heartbeat (README "Operating", src/models/workerBeat.ts): every
 * WORKER_HEARTBEAT_S one insert into worker_beats, `_id` = `${worker}:${interval number}`,
 * with what the worker did since its last beat, and its state (figures since start,
 * periodic jobs, whether delivery is paused) written whole over its own worker_states
 * document. An insert refused as a duplicate was a retry that had landed; a failed one
 * keeps the interval's figures for the next beat, so nothing counted is lost while the
 * database is away.
 */
import { insertIfAbsent } from '../src/db/writeErrors';
import type { Logger } from '../src/logger';
import { WorkerBeat, WorkerState } from '../src/models/workerBeat';
import {
  emptyInterval,
  type DeliveryMetrics,
  type IntervalFigures,
  type MetricsSnapshot,
} from './delivery/metrics';
import type { JobReport } from './periodic/schedule';

export interface HeartbeatDeps {
  workerId: string;
  dyno?: string;
  intervalS: number;
  metrics: DeliveryMetrics;
  jobs: () => JobReport[];
  paused: () => boolean;
  /** Android pushes a second this worker allows (delivery/pacing.ts); undefined: unpaced. */
  pacedRate?: () => number | undefined;
  logger: Logger;
  now: () => number;
}

export interface Heartbeat {
  /** Beats once now (start and tests); resolves when the insert is done or failed. */
  beat(): Promise<void>;
  stop(): Promise<void>;
}

/** Adds `b`'s interval to `a` (a beat that failed hands its figures to the next). */
function merge(a: IntervalFigures, b: IntervalFigures): IntervalFigures {
  const deliveries = { ...a.deliveries };
  for (const [k, n] of Object.entries(b.deliveries)) deliveries[k] = (deliveries[k] ?? 0) + n;
  return {
    deliveries,
    lag: {
      counts: a.lag.counts.map((c, i) => c + (b.lag.counts[i] ?? 0)),
      count: a.lag.count + b.lag.count,
      sumMs: a.lag.sumMs + b.lag.sumMs,
    },
  };
}

/**
 * The figures as a database stores them: the histogram's last bucket bound is +Infinity,
 * which BSON holds but the embedded database refuses ("infinity values are not
 * allowed"); it is stored as the string '+Inf', as Prometheus writes it.
 */
export function storable(figures: MetricsSnapshot): object {
  return JSON.parse(
    JSON.stringify(figures, (_key, value: unknown) => (value === Number.POSITIVE_INFINITY ? '+Inf' : value)),
  ) as object;
}

export function startHeartbeat(deps: HeartbeatDeps): Heartbeat {
  const intervalMs = deps.intervalS * 1000;
  const startedAt = new Date(deps.now());
  let unsent = emptyInterval();
  let beating: Promise<void> = Promise.resolve();
  let failures = 0;

  const once = async () => {
    const now = deps.now();
    const interval = merge(unsent, deps.metrics.takeInterval());
    const at = new Date(now);
    const paused = deps.paused();
    const who = {
      worker: deps.workerId,
      dyno: deps.dyno,
      at,
      started_at: startedAt,
      interval_s: deps.intervalS,
    };
    // Apart: a state write that fails is simply written whole at the next beat, while the
    // interval goes again only if its own insert failed (else it would count twice).
    const [beat, state] = await Promise.allSettled([
      insertIfAbsent(WorkerBeat.collection, {
        _id: `${deps.workerId}:${Math.floor(now / intervalMs)}` as never,
        ...who,
        paused,
        interval,
      }),
      WorkerState.collection.replaceOne(
        { _id: deps.workerId as never },
        {
          ...who,
          paused,
          android_rate: deps.pacedRate?.() ?? null,
          figures: storable(deps.metrics.snapshot()),
          jobs: deps.jobs(),
        },
        { upsert: true },
      ),
    ]);
    unsent = beat.status === 'fulfilled' ? emptyInterval() : interval;
    const failed = [beat, state].find((r) => r.status === 'rejected');
    if (!failed) {
      failures = 0;
      return;
    }
    failures += 1;
    // One line when it starts failing, then one in ten: the loop's own errors say more.
    if (failures % 10 === 1)
      deps.logger.warn({ err: failed.reason, failures }, 'heartbeat not recorded; will retry');
  };
  // A beat that throws outside its writes (a bug) must not stop the ones after it.
  const beat = () =>
    (beating = beating.then(once).catch((err: unknown) => deps.logger.error({ err }, 'heartbeat failed')));
  const timer = setInterval(() => void beat(), intervalMs);
  timer.unref();
  return {
    beat,
    stop: async () => {
      clearInterval(timer);
      await beating;
    },
  };
}
