/**
 * Counters of one worker process, kept in memory for a metrics endpoint to expose:
 * deliveries by outcome, lease takeovers, claim conflicts, loop errors, and the lag from
 * a push's due time to the provider's answer (a cumulative histogram plus a ring of
 * recent samples for quantiles).
 */
export const OUTCOMES = [
  'sent',
  'no_token',
  'dead_token',
  'failed',
  'retry',
  'dropped',
  'released',
  'abandoned',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** Upper bounds (ms) of the lag histogram buckets; the last bucket is +Inf. */
export const LAG_BUCKETS_MS = [50, 100, 250, 500, 1_000, 2_000, 5_000, 10_000, 30_000, 60_000, 300_000];

const RING_SIZE = 10_000;

export interface MetricsSnapshot {
  deliveries: Record<Outcome, number>;
  takeovers: number;
  claimConflicts: number;
  loopErrors: number;
  inFlight: number;
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
  private readonly bucketCounts = new Array<number>(LAG_BUCKETS_MS.length + 1).fill(0);
  private lagCount = 0;
  private lagSum = 0;
  private readonly ring: number[] = [];
  private ringNext = 0;

  count(outcome: Outcome): void {
    this.deliveries[outcome] += 1;
  }

  /** Counts a configuration error; true the first time this process sees that one. */
  configError(provider: string, code: string): boolean {
    const key = `${provider}:${code}`;
    const seen = this.configErrors.get(key) ?? 0;
    this.configErrors.set(key, seen + 1);
    return seen === 0;
  }

  observeLag(ms: number): void {
    const v = Math.max(0, ms);
    const i = LAG_BUCKETS_MS.findIndex((le) => v <= le);
    this.bucketCounts[i === -1 ? LAG_BUCKETS_MS.length : i]! += 1;
    this.lagCount += 1;
    this.lagSum += v;
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
      cumulative += this.bucketCounts[i]!;
      return { le, count: cumulative };
    });
    return {
      deliveries: { ...this.deliveries },
      takeovers: this.takeovers,
      claimConflicts: this.claimConflicts,
      loopErrors: this.loopErrors,
      inFlight: this.inFlight,
      lag: {
        buckets,
        count: this.lagCount,
        sumMs: this.lagSum,
        p50: this.lagQuantile(0.5),
        p99: this.lagQuantile(0.99),
      },
    };
  }
}
