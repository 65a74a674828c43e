/**
 * The worker process (Procfile `worker:`): pushes due messages, teasers and "joined"
 * notifications, and runs the periodic jobs. Several may run against one database.
 * On SIGTERM/SIGINT it stops claiming, lets sends in flight finish within
 * SHUTDOWN_TIMEOUT_MS, releases what it had not sent, disconnects and exits 0.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { loadConfig, type Config } from '../src/config';
import { connectDatabase, disconnectDatabase, ensureIndexes } from '../src/db/mongo';
import { createLogger, type Logger } from '../src/logger';
import { createMailer } from '../src/mail';
import { createPushSender } from '../src/push';
import { DeliveryMetrics } from '../src/services/deliveryMetrics';
import { startPeriodicJobs } from '../src/services/periodic';
import '../src/models';
import { NotifierLoop } from './notifierLoop';

const METRICS_LOG_MS = 60_000;

/** The lease must cover the checks before a send, the send itself, and clock differences. */
function checkLease(config: Config): number {
  const margin = Math.max(100, Math.floor(config.WORKER_LEASE_MS / 10));
  if (config.WORKER_LEASE_MS < 2 * config.WORKER_SEND_TIMEOUT_MS + margin) {
    throw new Error('WORKER_LEASE_MS must exceed twice WORKER_SEND_TIMEOUT_MS plus a tenth of itself');
  }
  return margin;
}

function onSignals(logger: Logger, timeoutMs: number, stop: (signal: string) => Promise<void>): void {
  let stopping = false;
  const handler = (signal: string) => {
    if (stopping) return;
    stopping = true;
    // Draining is bounded; this guards against a stuck close (a hung database socket).
    setTimeout(() => {
      logger.error('shutdown did not finish in time; exiting');
      process.exit(1);
    }, timeoutMs + 5_000).unref();
    stop(signal).then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => handler('SIGTERM'));
  process.on('SIGINT', () => handler('SIGINT'));
}

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL, undefined, 'worker');
  if (!config.MONGODB_URI) {
    throw new Error('MONGODB_URI is not set: run `npm start`, which starts the embedded database, or set it');
  }
  const leaseMarginMs = checkLease(config);
  const workerId = `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const sender = createPushSender(config, logger);
  const connection = await connectDatabase(config.MONGODB_URI, logger, {
    queryLogDir: config.DB_QUERY_LOG_DIR,
    processName: 'worker',
  });
  await ensureIndexes(connection);
  const mailer = createMailer(config, logger);
  const metrics = new DeliveryMetrics();
  const loop = new NotifierLoop({
    sender,
    logger,
    metrics,
    workerId,
    now: Date.now,
    random: Math.random,
    settings: {
      concurrency: config.WORKER_CONCURRENCY,
      pollMs: config.WORKER_POLL_MS,
      leaseMs: config.WORKER_LEASE_MS,
      sendTimeoutMs: config.WORKER_SEND_TIMEOUT_MS,
      leaseMarginMs,
      maxAttempts: config.WORKER_MAX_ATTEMPTS,
      backoff: { baseMs: config.WORKER_RETRY_BASE_MS, maxMs: config.WORKER_RETRY_MAX_MS },
    },
  });
  const periodic = startPeriodicJobs({ config, logger, mailer, workerId, now: () => new Date() });
  const metricsTimer = setInterval(
    () => logger.info({ metrics: metrics.snapshot() }, 'worker metrics'),
    METRICS_LOG_MS,
  );
  metricsTimer.unref();
  loop.start();
  logger.info(
    { worker: workerId, push: sender.name, concurrency: config.WORKER_CONCURRENCY },
    'worker started',
  );

  onSignals(logger, config.SHUTDOWN_TIMEOUT_MS * 2, async (signal) => {
    logger.info({ signal, worker: workerId }, 'shutting down: draining pushes');
    clearInterval(metricsTimer);
    await Promise.all([loop.stop(config.SHUTDOWN_TIMEOUT_MS), periodic.stop(config.SHUTDOWN_TIMEOUT_MS)]);
    await sender.close();
    await mailer.close?.();
    await disconnectDatabase();
    logger.info({ metrics: metrics.snapshot() }, 'stopped');
  });
}

main().catch((err: unknown) => {
  // The logger may not exist yet (bad configuration): write the reason plainly.
  process.stderr.write(`worker failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
