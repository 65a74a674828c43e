/**
 * The worker's counters (workers/delivery/metrics.ts) in Prometheus form. Counters and
 * gauges are read from the DeliveryMetrics fields at scrape time; the lag histogram is fed
 * one observation at a time (a histogram cannot be rebuilt from totals), in seconds. The
 * due backlog is counted at scrape time, by the web's /waiting count (countDueJobs). The
 * database commands the process starts are counted by name and collection, from the
 * driver's command monitoring.
 */
import type { CommandStartedEvent } from 'mongodb';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Logger } from '../src/logger';
import { countDueJobs } from '../src/models/pushJob';
import { DeliveryMetrics, LAG_BUCKETS_MS, OUTCOMES } from './delivery/metrics';

const COUNT_TIMEOUT_MS = 2_000;

/** DeliveryMetrics that also records each lag in a prom-client histogram. */
export class ExportedDeliveryMetrics extends DeliveryMetrics {
  readonly registry = new Registry();
  private readonly lagSeconds = new Histogram({
    name: 'pictever_worker_push_lag_seconds',
    help: "Lag from a push's due time to the provider's answer",
    buckets: LAG_BUCKETS_MS.map((ms) => ms / 1000),
    registers: [this.registry],
  });

  override observeLag(ms: number): void {
    super.observeLag(ms);
    this.lagSeconds.observe(Math.max(0, ms) / 1000);
  }
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

/** Registers every worker metric; `now` is the clock of the due backlog count. */
export function createWorkerMetrics(logger: Logger, now: () => number): ExportedDeliveryMetrics {
  const metrics = new ExportedDeliveryMetrics();
  const { registry } = metrics;
  collectDefaultMetrics({ register: registry });
  new Counter({
    name: 'pictever_worker_deliveries_total',
    help: 'Push deliveries by outcome',
    labelNames: ['outcome'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const outcome of OUTCOMES) this.inc({ outcome }, metrics.deliveries[outcome]);
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
