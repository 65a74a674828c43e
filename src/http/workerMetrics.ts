/**
 * The workers' figures on the web's /metrics, read from their heartbeats (README "Worker",
 * Observability).
 *
 * Why through the database: on Heroku no outside traffic reaches a worker dyno, so its
 * WORKER_METRICS_PORT cannot be scraped, and log lines in l2met form become metrics only
 * through a log drain add-on. Every worker already writes its figures into its
 * worker_states document each WORKER_HEARTBEAT_S (workers/heartbeat.ts), so one scrape of any web dyno sees
 * every worker, as fresh as that interval, at the cost of one indexed read per scrape.
 *
 * Per worker whose newest beat is at most 2 × WORKER_HEARTBEAT_MAX_S old, labelled
 * {worker, dyno}: `pictever_worker_up` (1, or 0 once silent for two of its intervals) and
 * the time of that beat; for a live one, also the figures of its own port since it
 * started (deliveries by outcome, provider and platform, lag and provider latency
 * histograms, in flight, takeovers, claim conflicts, loop errors). The text is written
 * here (src/http/exposition.ts): prom-client can neither set a counter to another
 * process's total nor a histogram's buckets. A read that fails or takes over 2 s leaves
 * the workers out with a warning; /metrics still answers.
 */
import { z } from 'zod';
import { WORKER_HEARTBEAT_MAX_S } from '../config';
import {
  LAG_BUCKETS_MS,
  PROVIDER_BUCKETS_MS,
  platformOfProvider,
  workerStates,
  type WorkerState as Liveness,
} from '../domain/opsFigures';
import type { Logger } from '../logger';
import { WorkerState, type WorkerStateFields } from '../models/workerBeat';
import { histogramSamples, renderFamilies, type Family, type Labels, type Sample } from './exposition';

const READ_TIMEOUT_MS = 2_000;

const buckets = z.object({ counts: z.array(z.number()), count: z.number(), sumMs: z.number() });

/** DeliveryMetrics.snapshot() as a beat stores it (workers/delivery/metrics.ts), the parts shown. */
const figuresSchema = z.object({
  takeovers: z.number(),
  claimConflicts: z.number(),
  loopErrors: z.number(),
  inFlight: z.number(),
  byProvider: z.record(z.string(), z.number()),
  providerLatency: z.record(z.string(), buckets),
  /** Cumulative counts, one per LAG_BUCKETS_MS bound, then +Inf. */
  lag: z.object({ buckets: z.array(z.object({ count: z.number() })), sumMs: z.number() }),
});
type Figures = z.infer<typeof figuresSchema>;

export type BeatRead = Pick<
  WorkerStateFields,
  'worker' | 'dyno' | 'at' | 'started_at' | 'interval_s' | 'figures'
>;

/**
 * The states of the workers that beat in the last 2 × WORKER_HEARTBEAT_MAX_S (one document
 * per worker, written at each beat): one read over the {at: 1} index.
 */
export function recentBeats(now: Date): Promise<BeatRead[]> {
  const since = new Date(now.getTime() - 2 * WORKER_HEARTBEAT_MAX_S * 1000);
  return WorkerState.find(
    { at: { $gte: since } },
    { _id: 0, worker: 1, dyno: 1, at: 1, started_at: 1, interval_s: 1, figures: 1 },
  )
    .maxTimeMS(READ_TIMEOUT_MS)
    .lean<BeatRead[]>()
    .exec();
}

/** Non-cumulative counts from cumulative ones. */
function differences(cumulative: readonly number[]): number[] {
  return cumulative.map((n, i) => n - (i === 0 ? 0 : cumulative[i - 1]!));
}

interface Live {
  labels: Labels;
  figures: Figures;
}

function counterSamples(live: readonly Live[], read: (f: Figures) => number): Sample[] {
  return live.map(({ labels, figures }) => ({ labels, value: read(figures) }));
}

/** The series of live workers' figures; a histogram of other bounds than ours (another version) is left out. */
function figureFamilies(live: readonly Live[]): Family[] {
  const deliveries = live.flatMap(({ labels, figures }) =>
    Object.entries(figures.byProvider).map(([key, value]) => {
      const [outcome = '', provider = ''] = key.split(':');
      return { labels: { ...labels, outcome, provider, platform: platformOfProvider(provider) }, value };
    }),
  );
  const lag = live.flatMap(({ labels, figures }) => {
    const cumulative = figures.lag.buckets.map((b) => b.count);
    if (cumulative.length !== LAG_BUCKETS_MS.length + 1) return [];
    return histogramSamples(labels, LAG_BUCKETS_MS, differences(cumulative), figures.lag.sumMs);
  });
  const latency = live.flatMap(({ labels, figures }) =>
    Object.entries(figures.providerLatency).flatMap(([provider, b]) =>
      b.counts.length === PROVIDER_BUCKETS_MS.length + 1
        ? histogramSamples(
            { ...labels, provider, platform: platformOfProvider(provider) },
            PROVIDER_BUCKETS_MS,
            b.counts,
            b.sumMs,
          )
        : [],
    ),
  );
  return [
    {
      name: 'pictever_worker_deliveries_total',
      type: 'counter',
      help: 'Push deliveries of each live worker since it started, by outcome, provider and platform',
      samples: deliveries,
    },
    {
      name: 'pictever_worker_push_lag_seconds',
      type: 'histogram',
      help: "Lag from a push's due time to the provider's answer, per live worker since it started",
      samples: lag,
    },
    {
      name: 'pictever_worker_provider_latency_seconds',
      type: 'histogram',
      help: "One provider call's duration, per live worker since it started",
      samples: latency,
    },
    {
      name: 'pictever_worker_pushes_in_flight',
      type: 'gauge',
      help: 'Pushes each live worker was sending at its last heartbeat',
      samples: counterSamples(live, (f) => f.inFlight),
    },
    {
      name: 'pictever_worker_lease_takeovers_total',
      type: 'counter',
      help: 'Claims each live worker took over after a lease ended',
      samples: counterSamples(live, (f) => f.takeovers),
    },
    {
      name: 'pictever_worker_claim_conflicts_total',
      type: 'counter',
      help: 'Claims each live worker lost to another worker',
      samples: counterSamples(live, (f) => f.claimConflicts),
    },
    {
      name: 'pictever_worker_loop_errors_total',
      type: 'counter',
      help: "Errors caught by each live worker's notification loop",
      samples: counterSamples(live, (f) => f.loopErrors),
    },
  ];
}

/**
 * The exposition text of the workers' newest beats (workerStates). A beat whose figures
 * do not parse (a worker of another version) gives its up and last beat series only.
 */
export function workerSeriesText(states: readonly Liveness<BeatRead>[]): string {
  const labelsOf = (b: BeatRead): Labels => ({ worker: b.worker, dyno: b.dyno ?? '' });
  const live: Live[] = [];
  for (const { beat, alive } of states) {
    const figures = figuresSchema.safeParse(beat.figures);
    if (alive && figures.success) live.push({ labels: labelsOf(beat), figures: figures.data });
  }
  return renderFamilies([
    {
      name: 'pictever_worker_up',
      type: 'gauge',
      help: 'Whether a worker is alive: 1 when its last heartbeat is at most two of its intervals old, else 0',
      samples: states.map(({ beat, alive }) => ({ labels: labelsOf(beat), value: alive ? 1 : 0 })),
    },
    {
      name: 'pictever_worker_last_beat_timestamp_seconds',
      type: 'gauge',
      help: "Time of a worker's last heartbeat, in seconds since the epoch",
      samples: states.map(({ beat }) => ({ labels: labelsOf(beat), value: beat.at.getTime() / 1000 })),
    },
    ...figureFamilies(live),
  ]);
}

export interface WorkerSeriesDeps {
  logger: Logger;
  now: () => Date;
  /** How the beats are read; recentBeats but in the tests of the time bound. */
  read?: (now: Date) => Promise<BeatRead[]>;
  timeoutMs?: number;
}

/** The workers' series now; '' (with a warning) when the read fails or outlasts the timeout. */
export async function readWorkerSeries(deps: WorkerSeriesDeps): Promise<string> {
  const now = deps.now();
  const timeoutMs = deps.timeoutMs ?? READ_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const beats = await Promise.race([(deps.read ?? recentBeats)(now), late]);
    return workerSeriesText(workerStates(beats, now));
  } catch (err) {
    deps.logger.warn({ err }, 'worker heartbeats not read; /metrics leaves the workers out');
    return '';
  } finally {
    clearTimeout(timer);
  }
}
