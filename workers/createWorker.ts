/**
 * The wiring of one notification worker: database connection, push sender, mailer,
 * delivery loop, periodic jobs, heartbeat (workers/heartbeat.ts), metrics (logged every minute, and served on
 * WORKER_METRICS_PORT when set, database commands included). The process entry
 * (notifier.ts) and the benchmarks (bench/workerDb.ts) build their worker here.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { CommandStartedEvent } from 'mongodb';
import type { Connection } from 'mongoose';
import type { Config } from '../src/config';
import { useDataKeys } from '../src/crypto/current';
import { requireIndexes, ttlIndexesOf } from '../src/db/indexes';
import { checkClock, disconnectDatabase, openDatabase } from '../src/db/mongo';
import type { Logger } from '../src/logger';
import { createMailer } from '../src/mail';
import { createPushSender, type PushOptions } from '../src/push';
import type { DeliveryMetrics } from './delivery/metrics';
import { plannedSweeps } from './periodic/cleanup';
import { startPeriodicJobs, type PeriodicJobs } from './periodic/schedule';
import '../src/models';
import { startHeartbeat, type Heartbeat } from './heartbeat';
import { startMetricsServer, type MetricsServer } from './metricsServer';
import { NotifierLoop, type LoopDeps } from './delivery/loop';
import { AndroidPacer } from './delivery/pacing';
import { promoteDue } from './delivery/promote';
import { countDatabaseCommands, createWorkerMetrics } from './metrics';

const METRICS_LOG_MS = 60_000;

export interface WorkerDeps {
  config: Config;
  logger: Logger;
  /**
   * An open connection to work on; its owner closes it. Without one the worker connects
   * to MONGODB_URI, checks the indexes (MISSING_INDEXES), and disconnects when stopped.
   */
  connection?: Connection;
  workerId?: string;
  now?: () => number;
  random?: () => number;
  /** In-process tests: the fake providers' CA (a worker process uses NODE_EXTRA_CA_CERTS). */
  push?: PushOptions;
}

export interface Worker {
  readonly id: string;
  readonly metrics: DeliveryMetrics;
  /** The metrics listener's port once started; undefined when WORKER_METRICS_PORT is unset. */
  metricsPort(): number | undefined;
  /** Records a heartbeat now (tests); the worker beats every WORKER_HEARTBEAT_S anyway. */
  beat(): Promise<void>;
  start(): Promise<void>;
  /** Stops claiming, drains within `timeoutMs`, closes everything; safe to call twice. */
  stop(timeoutMs: number): Promise<void>;
}

/** The lease must cover the checks before a send, the send itself, and clock differences. */
export function leaseMargin(config: Config): number {
  const margin = Math.max(100, Math.floor(config.WORKER_LEASE_MS / 10));
  if (config.WORKER_LEASE_MS < 2 * config.WORKER_SEND_TIMEOUT_MS + margin) {
    throw new Error('WORKER_LEASE_MS must exceed twice WORKER_SEND_TIMEOUT_MS plus a tenth of itself');
  }
  return margin;
}

function loopSettings(config: Config): LoopDeps['settings'] {
  return {
    concurrency: config.WORKER_CONCURRENCY,
    targetRate: config.WORKER_TARGET_RATE,
    pollMs: config.WORKER_POLL_MS,
    leaseMs: config.WORKER_LEASE_MS,
    sendTimeoutMs: config.WORKER_SEND_TIMEOUT_MS,
    leaseMarginMs: leaseMargin(config),
    maxAttempts: config.WORKER_MAX_ATTEMPTS,
    backoff: { baseMs: config.WORKER_RETRY_BASE_MS, maxMs: config.WORKER_RETRY_MAX_MS },
  };
}

/** Once at start: which expiring records the server's TTL indexes remove, which the cleanup job sweeps. */
function logSweeps(logger: Logger, config: Config, ttlIndexes: ReadonlySet<string>): void {
  const { run, skipped } = plannedSweeps(config, ttlIndexes);
  const names = (sweeps: { name: string }[]) => sweeps.map((s) => s.name);
  logger.info(
    { ttlIndexes: [...ttlIndexes], sweeps: names(run), skipped: names(skipped) },
    skipped.length > 0
      ? `expiry: TTL indexes remove ${names(skipped).join(', ')} (those sweeps are skipped); the cleanup job sweeps ${names(run).join(', ')}`
      : `expiry: no TTL indexes on this database; the cleanup job sweeps ${names(run).join(', ')}`,
  );
}

async function openConnection(
  config: Config,
  logger: Logger,
  onCommand: (e: CommandStartedEvent) => void,
): Promise<Connection> {
  const connection = await openDatabase(config, logger, 'worker', onCommand);
  await requireIndexes(connection, config, logger);
  await checkClock(connection, logger, config.CLOCK_SKEW_ALLOWANCE_MS);
  return connection;
}

export async function createWorker(deps: WorkerDeps): Promise<Worker> {
  const { config, logger } = deps;
  const now = deps.now ?? Date.now;
  const settings = loopSettings(config); // checks the lease before connecting
  const id = deps.workerId ?? `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const sender = createPushSender(config, logger, deps.push);
  const metrics = createWorkerMetrics(logger, now, config.DYNO);
  const countCommand = countDatabaseCommands(metrics.registry);
  const ownConnection = !deps.connection;
  useDataKeys(config); // teaser and "joined" texts are encrypted in the queue (openDatabase loads them too)
  const connection = deps.connection ?? (await openConnection(config, logger, countCommand));
  // A borrowed connection's commands are counted only if its owner turned monitoring on,
  // and they include the owner's own commands.
  if (!ownConnection) connection.getClient().on('commandStarted', countCommand);
  const mailer = createMailer(config, logger);
  const pacer = new AndroidPacer(
    { share: config.PUSH_PACING_SHARE, staleMs: Math.max(15_000, 2_000 * config.WORKER_HEARTBEAT_S) },
    now,
  );
  const loop = new NotifierLoop({
    sender,
    logger,
    metrics,
    workerId: id,
    now,
    random: deps.random ?? Math.random,
    settings,
    pacer,
  });
  let periodic: PeriodicJobs | undefined;
  let server: MetricsServer | undefined;
  let heartbeat: Heartbeat | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped: Promise<void> | undefined;

  const start = async () => {
    if (config.WORKER_METRICS_PORT !== undefined) {
      server = await startMetricsServer({
        port: config.WORKER_METRICS_PORT,
        operatorToken: config.OPERATOR_TOKEN,
        registry: metrics.registry,
        connection,
      });
    }
    const ttlIndexes = ttlIndexesOf(connection, config);
    logSweeps(logger, config, ttlIndexes);
    periodic = startPeriodicJobs({
      config,
      logger,
      mailer,
      workerId: id,
      now: () => new Date(now()),
      ttlIndexes,
    });
    timer = setInterval(() => logger.info({ metrics: metrics.snapshot() }, 'worker metrics'), METRICS_LOG_MS);
    timer.unref();
    // Pushes that fell due while no worker ran: at once, not at the next minute.
    await promoteDue(new Date(now())).catch((err: unknown) =>
      logger.warn({ err }, 'moving due pushes from push_schedule failed; the promote job retries'),
    );
    loop.start();
    heartbeat = startHeartbeat({
      workerId: id,
      dyno: config.DYNO,
      intervalS: config.WORKER_HEARTBEAT_S,
      metrics,
      jobs: () => periodic?.report() ?? [],
      paused: () => loop.pause.paused,
      pacedRate: () => pacer.current.rate,
      logger,
      now,
    });
    void heartbeat.beat();
    logger.info(
      { worker: id, push: sender.name, concurrency: config.WORKER_CONCURRENCY, metricsPort: server?.port },
      'worker started',
    );
  };

  const drain = async (timeoutMs: number) => {
    clearInterval(timer);
    await server?.close();
    await Promise.all([loop.stop(timeoutMs), periodic?.stop(timeoutMs)]);
    await heartbeat?.beat(); // the last figures, after the drain
    await heartbeat?.stop();
    await sender.close();
    await mailer.close?.();
    if (ownConnection) await disconnectDatabase();
    else connection.getClient().off('commandStarted', countCommand);
  };

  return {
    id,
    metrics,
    metricsPort: () => server?.port,
    beat: () => heartbeat?.beat() ?? Promise.resolve(),
    start,
    stop: (timeoutMs) => (stopped ??= drain(timeoutMs)),
  };
}
