/**
 * The worker process (Procfile `worker:`): pushes due messages, teasers and "joined"
 * notifications, and runs the periodic jobs (wired in createWorker.ts). Several may run
 * against one database. On SIGTERM/SIGINT it stops claiming, lets sends in flight finish
 * within SHUTDOWN_TIMEOUT_MS, releases what it had not sent, disconnects and exits 0.
 */
import { loadConfig } from '../src/config';
import { createLogger, type Logger } from '../src/logger';
import { guardProcess } from '../src/processGuards';
import { createWorker } from './createWorker';

function onSignals(logger: Logger, timeoutMs: number, stop: (signal: string) => Promise<void>): void {
  let stopping = false;
  const handler = (signal: string) => {
    if (stopping) return;
    stopping = true;
    // Draining is bounded; this guards against a stuck close (a hung database socket).
    // SHUTDOWN_TIMEOUT_MS is at most 12 s, so this fires within Heroku's 30 s after SIGTERM.
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
  guardProcess(logger, { exitOnRejection: config.NODE_ENV === 'production' });
  const worker = await createWorker({ config, logger });
  await worker.start();
  onSignals(logger, config.SHUTDOWN_TIMEOUT_MS * 2, async (signal) => {
    logger.info({ signal, worker: worker.id }, 'shutting down: draining pushes');
    await worker.stop(config.SHUTDOWN_TIMEOUT_MS);
    logger.info({ metrics: worker.metrics.snapshot() }, 'stopped');
  });
}

main().catch((err: unknown) => {
  // The logger may not exist yet (bad configuration): write the reason plainly.
  process.stderr.write(`worker failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
