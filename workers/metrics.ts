/**
 * The worker's counters (workers/delivery/metrics.ts) in Prometheus form. Counters and
 * gauges are read from the DeliveryMetrics fields at scrape time; the lag and provider
 * latency histograms are fed one observation at a time (prom-client cannot rebuild a
 * histogram from totals), in seconds. The due backlog is counted at scrape time, by the
 * web's /waiting count (countDueJobs). The database commands the process starts are
 * counted by name and collection, from the driver's command monitoring. With DYNO set,
 * every series carries `dyno`. The web's /metrics shows the same figures of every live
 * worker, from their heartbeats (src/http/workerMetrics.ts).
 */
import type { CommandStartedEvent } from 'mongodb';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Logger } from '../src/logger';
import { countDueJobs } from '../src/models/pushJob';
import {
  DeliveryMetrics,
  LAG_BUCKETS_MS,
  PROVIDERS,
  PROVIDER_BUCKETS_MS,
  platformOfProvider,
  type Provider,
} from './delivery/metrics';

const COUNT_TIMEOUT_MS = 2_000;

/** DeliveryMetrics that also records each lag and provider call in prom-client histograms. */
export class ExportedDeliveryMetrics extends DeliveryMetrics {
  readonly registry = new Registry();
  private readonly lagSeconds = new Histogram({
    name: 'pictever_worker_push_lag_seconds',
    help: "Lag from a push's due time to the provider's answer",
    buckets: LAG_BUCKETS_MS.map((ms) => ms / 1000),
    registers: [this.registry],
  });
  private readonly providerSeconds = new Histogram({
    name: 'pictever_worker_provider_latency_seconds',
    help: "One provider call's duration, from the request to the answer or the timeout",
    labelNames: ['provider', 'platform'] as const,
    buckets: PROVIDER_BUCKETS_MS.map((ms) => ms / 1000),
    registers: [this.registry],
  });

  constructor() {
    super();
    // From the start, as DeliveryMetrics' byProvider (a series born late loses its first counts).
    for (const provider of PROVIDERS) this.providerSeconds.zero(providerLabels(provider));
  }

  override observeLag(ms: number): void {
    super.observeLag(ms);
    this.lagSeconds.observe(Math.max(0, ms) / 1000);
  }

  override observeProviderLatency(provider: Provider, ms: number): void {
    super.observeProviderLatency(provider, ms);
    this.providerSeconds.observe(providerLabels(provider), Math.max(0, ms) / 1000);
  }
}

function providerLabels(provider: string): { provider: string; platform: string } {
  return { provider, platform: platformOfProvider(provider) };
}

/** A counter whose value is read from a running total when scraped. */
function totalCounter(registry: Registry, name: string, help: string, read: () => number): void {
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}

/**
 * The collection a command works on: named by the command itself (find, insert, update,
 * delete, aggregate, createIndexes…) or, for getMore, in its `collection` field; '' for
 * commands on no collection (hello, ping, endSessions…).
 */
export function commandCollection(e: Pick<CommandStartedEvent, 'command' | 'commandName'>): string {
  const named: unknown = e.command[e.commandName];
  if (typeof named === 'string') return named;
  const collection: unknown = e.command.collection;
  return typeof collection === 'string' ? collection : '';
}

/**
 * Registers `pictever_worker_db_commands_total{command,collection}` and returns the
 * listener that counts into it (wired to the client's `commandStarted`). Round trips per
 * push are its increase divided by the deliveries' (both per process): what the bench
 * reports, and what an operator watches when the database is the bottleneck. The labels
 * stay few: our code names a fixed set of collections.
 */
export function countDatabaseCommands(registry: Registry): (e: CommandStartedEvent) => void {
  const counter = new Counter({
    name: 'pictever_worker_db_commands_total',
    help: 'Database commands this worker process started, by command name and collection',
    labelNames: ['command', 'collection'] as const,
    registers: [registry],
  });
  return (e) => counter.inc({ command: e.commandName, collection: commandCollection(e) });
}

/**
 * Registers every worker metric; `now` is the clock of the due backlog count, `dyno`
 * (Heroku's DYNO) a label on every series when set.
 */
export function createWorkerMetrics(
  logger: Logger,
  now: () => number,
  dyno?: string,
): ExportedDeliveryMetrics {
  const metrics = new ExportedDeliveryMetrics();
  const { registry } = metrics;
  if (dyno !== undefined) registry.setDefaultLabels({ dyno });
  collectDefaultMetrics({ register: registry });
  // By provider and platform; the totals by outcome alone are their sum (sum by (outcome)).
  new Counter({
    name: 'pictever_worker_deliveries_total',
    help: 'Push deliveries by outcome, provider and platform (both empty when no provider was called)',
    labelNames: ['outcome', 'provider', 'platform'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [key, n] of metrics.byProvider) {
        const [outcome = '', provider = ''] = key.split(':');
        this.inc({ outcome, ...providerLabels(provider) }, n);
      }
    },
  });
  totalCounter(
    registry,
    'pictever_worker_lease_takeovers_total',
    'Claims taken over after a lease ended',
    () => metrics.takeovers,
  );
  totalCounter(
    registry,
    'pictever_worker_claim_conflicts_total',
    'Claims lost to another worker',
    () => metrics.claimConflicts,
  );
  totalCounter(
    registry,
    'pictever_worker_loop_errors_total',
    'Errors caught by the notification loop',
    () => metrics.loopErrors,
  );
  new Counter({
    name: 'pictever_worker_push_config_errors_total',
    help: 'Pushes failed because the provider refused our credentials or topic (not retried)',
    labelNames: ['provider', 'code'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [key, n] of metrics.configErrors) {
        const [provider = '', code = ''] = key.split(':');
        this.inc({ provider, code }, n);
      }
    },
  });
  new Gauge({
    name: 'pictever_worker_pushes_in_flight',
    help: 'Pushes being sent now',
    registers: [registry],
    collect() {
      this.set(metrics.inFlight);
    },
  });
  new Gauge({
    name: 'pictever_worker_due_pushes',
    help: 'Push jobs due now and not yet sent (all workers); NaN when the database did not answer',
    registers: [registry],
    async collect() {
      const due = await countDueJobs(new Date(now()))
        .maxTimeMS(COUNT_TIMEOUT_MS)
        .catch((err: unknown) => {
          logger.warn({ err }, 'due backlog not counted');
          return Number.NaN;
        });
      this.set(due);
    },
  });
  return metrics;
}
