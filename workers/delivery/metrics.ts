/**
 * Counters of one worker process, kept in memory for a metrics endpoint to expose:
 * deliveries by outcome (and by outcome and provider), lease takeovers, claim conflicts,
 * loop errors, the lag from a push's due time to the provider's answer (a cumulative
 * histogram plus a ring of recent samples for quantiles) and each provider's latency.
 * takeInterval() hands what happened since its last call to the heartbeat
 * (workers/heartbeat.ts), which the operator's console sums over hours and days.
 */
import { LAG_BUCKETS_MS, PROVIDER_BUCKETS_MS, platformOfProvider } from '../../src/domain/opsFigures';

export { LAG_BUCKETS_MS, PROVIDER_BUCKETS_MS, platformOfProvider };

export const OUTCOMES = [
  'sent',
  'no_token',
  'dead_token',
  'failed',
  'retry',
  'dropped',
  'released',
  'abandoned',
  'paced',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const PROVIDERS = ['fcm', 'apns'] as const;
export type Provider = (typeof PROVIDERS)[number];
/** A provider, or '' when none was called (no token, dropped, released…). */
export type ProviderName = Provider | '';

/** The outcomes that follow a provider's answer; the others call none. */
const ANSWERED: readonly Outcome[] = ['sent', 'dead_token', 'failed', 'retry'];

/**
 * The `${outcome}:${provider}` pairs of a normal course, at 0: their metric series then
 * exist from the start, and Prometheus' increase() counts their first pushes (a series
 * that appears at 5 loses those 5). Rarer pairs (a push failed before any provider call,
 * `failed:`) appear when they happen.
 */
function zeroByProvider(): Map<string, number> {
  return new Map(
    OUTCOMES.flatMap((o) => (ANSWERED.includes(o) ? PROVIDERS.map((p) => `${o}:${p}`) : [`${o}:`])).map(
      (key) => [key, 0],
    ),
  );
}

/** A histogram's bucket counts (not cumulative, the last one +Inf), count and sum. */
export interface Buckets {
  counts: number[];
  count: number;
  sumMs: number;
}

function emptyBuckets(bounds: readonly number[]): Buckets {
  return { counts: new Array<number>(bounds.length + 1).fill(0), count: 0, sumMs: 0 };
}

function observe(into: Buckets, bounds: readonly number[], ms: number): void {
  const v = Math.max(0, ms);
  const i = bounds.findIndex((le) => v <= le);
  into.counts[i === -1 ? bounds.length : i]! += 1;
  into.count += 1;
  into.sumMs += v;
}

/** What one worker did between two heartbeats. */
export interface IntervalFigures {
  /** `${outcome}:${provider}` -> pushes (provider '' when none was called). */
  deliveries: Record<string, number>;
  /** Lag of the pushes sent, over LAG_BUCKETS_MS. */
  lag: Buckets;
}

export function emptyInterval(): IntervalFigures {
  return { deliveries: {}, lag: emptyBuckets(LAG_BUCKETS_MS) };
}

const RING_SIZE = 10_000;

export interface MetricsSnapshot {
  deliveries: Record<Outcome, number>;
  takeovers: number;
  claimConflicts: number;
  loopErrors: number;
  inFlight: number;
  /** `${outcome}:${provider}` -> pushes since start. */
  byProvider: Record<string, number>;
  /** provider -> latency of its calls since start, over PROVIDER_BUCKETS_MS. */
  providerLatency: Record<string, Buckets>;
  lag: { buckets: { le: number; count: number }[]; count: number; sumMs: number; p50: number; p99: number };
}

export class DeliveryMetrics {
  readonly deliveries = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  takeovers = 0;
  claimConflicts = 0;
  loopErrors = 0;
  inFlight = 0;
  /** Configuration errors by `<provider>:<code>` (e.g. fcm:SENDER_ID_MISMATCH). */
  readonly configErrors = new Map<string, number>();
  /** `${outcome}:${provider}` -> pushes since start. */
  readonly byProvider = zeroByProvider();
  /** Each provider's latency since start; empty ones from the start, as byProvider. */
  readonly providerLatency = new Map<string, Buckets>(
    PROVIDERS.map((p) => [p, emptyBuckets(PROVIDER_BUCKETS_MS)]),
  );
  private interval = emptyInterval();
  /** The lag since start; `interval.lag` is the same since the last heartbeat. */
  private readonly lag = emptyBuckets(LAG_BUCKETS_MS);
  private readonly ring: number[] = [];
  private ringNext = 0;

  count(outcome: Outcome, provider: ProviderName = ''): void {
    this.deliveries[outcome] += 1;
    const key = `${outcome}:${provider}`;
    this.byProvider.set(key, (this.byProvider.get(key) ?? 0) + 1);
    this.interval.deliveries[key] = (this.interval.deliveries[key] ?? 0) + 1;
  }

  /** One provider call's duration, answered or timed out. */
  observeProviderLatency(provider: Provider, ms: number): void {
    observe(this.providerLatency.get(provider)!, PROVIDER_BUCKETS_MS, ms);
  }

  /** What happened since the last call (the heartbeat's `interval`), and starts anew. */
  takeInterval(): IntervalFigures {
    const taken = this.interval;
    this.interval = emptyInterval();
    return taken;
  }

  /** Counts a configuration error; true the first time this process sees that one. */
  configError(provider: string, code: string): boolean {
    const key = `${provider}:${code}`;
    const seen = this.configErrors.get(key) ?? 0;
    this.configErrors.set(key, seen + 1);
    return seen === 0;
  }

  observeLag(ms: number): void {
    observe(this.interval.lag, LAG_BUCKETS_MS, ms);
    observe(this.lag, LAG_BUCKETS_MS, ms);
    const v = Math.max(0, ms);
    if (this.ring.length < RING_SIZE) this.ring.push(v);
    else this.ring[this.ringNext] = v;
    this.ringNext = (this.ringNext + 1) % RING_SIZE;
  }

  /** Quantile of the recent lag samples (nearest rank); 0 without samples. */
  lagQuantile(q: number): number {
    if (this.ring.length === 0) return 0;
    const sorted = [...this.ring].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
  }

  snapshot(): MetricsSnapshot {
    let cumulative = 0;
    const buckets = [...LAG_BUCKETS_MS, Number.POSITIVE_INFINITY].map((le, i) => {
      cumulative += this.lag.counts[i]!;
      return { le, count: cumulative };
    });
    return {
      deliveries: { ...this.deliveries },
      takeovers: this.takeovers,
      claimConflicts: this.claimConflicts,
      loopErrors: this.loopErrors,
      inFlight: this.inFlight,
      byProvider: Object.fromEntries(this.byProvider),
      providerLatency: Object.fromEntries(
        [...this.providerLatency].map(([p, b]) => [p, { ...b, counts: [...b.counts] }]),
      ),
      lag: {
        buckets,
        count: this.lag.count,
        sumMs: this.lag.sumMs,
        p50: this.lagQuantile(0.5),
        p99: this.lagQuantile(0.99),
      },
    };
  }
}
