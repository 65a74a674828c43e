/**
 * The web process: connect, check the indexes, listen; on SIGTERM/SIGINT stop accepting,
 * let in-flight requests finish within SHUTDOWN_TIMEOUT_MS, disconnect and exit 0.
 */
import type { Server } from 'node:http';
import { createApp } from './app';
import { loadConfig, type Config } from './config';
import { requireIndexes } from './db/indexes';
import { checkClock, disconnectDatabase, openDatabase } from './db/mongo';
import { answerClientError } from './http/errors';
import { createLogger, type Logger } from './logger';
import { createMailer } from './mail';
import { guardProcess } from './processGuards';
import { calibratePasswordWork } from './services/accounts/passwords';
import { startWebState } from './services/ops/webState';
import { startupTasks } from './startup';
import './models';

/** Settings that are allowed but unsafe say so at every start. */
function warnAboutSettings(config: Config, logger: Logger): void {
  if (config.SESSION_SECRET_GENERATED) {
    logger.warn(
      'SESSION_SECRET is not set: a random one was drawn for this start; sessions and reset codes end with this process',
    );
  }
  if (config.FACEBOOK_LOGIN === 'legacy') {
    logger.warn(
      'FACEBOOK_LOGIN=legacy: anyone who knows a facebook_id can log in as its account (no proof is asked, as in the original)',
    );
  }
}

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL, undefined, 'web');
  guardProcess(logger, { exitOnRejection: config.NODE_ENV === 'production' });
  warnAboutSettings(config, logger);
  const connection = await openDatabase(config, logger, 'web');
  await requireIndexes(connection, config, logger);
  await checkClock(connection, logger, config.CLOCK_SKEW_ALLOWANCE_MS);
  await startupTasks({ logger });
  const bcryptMs = await calibratePasswordWork(config);
  logger.info({ bcryptMs: Math.round(bcryptMs), cost: config.BCRYPT_COST }, 'bcrypt timed');
  const webState = startWebState({ logger, dyno: config.DYNO, now: () => new Date() });
  await webState.publish();
  const mailer = createMailer(config, logger);
  const app = createApp({ config, logger, connection, mailer, now: () => new Date(), random: Math.random });
  // Express 5 hands a failed listen (a port in use, no permission) to this callback: a web
  // process that serves nothing must not stay up looking healthy.
  const server: Server = app.listen(config.PORT, (err?: Error) => {
    if (err) {
      logger.fatal({ err, port: config.PORT }, `web cannot listen on port ${config.PORT}: ${err.message}`);
      process.exit(1);
    }
    logger.info({ port: config.PORT, publicUrl: config.PUBLIC_URL }, 'web listening');
  });

  // Node answers malformed requests itself, before Express; give those answers a reason too.
  server.on('clientError', answerClientError);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: draining requests');
    const force = setTimeout(() => {
      logger.warn('drain timeout: closing remaining connections');
      server.closeAllConnections();
    }, config.SHUTDOWN_TIMEOUT_MS);
    force.unref();
    webState.stop();
    server.close(() => {
      clearTimeout(force);
      disconnectDatabase()
        .then(() => {
          logger.info('stopped');
          process.exit(0);
        })
        .catch((err: unknown) => {
          logger.error({ err }, 'disconnect failed');
          process.exit(1);
        });
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  // The logger may not exist yet (bad configuration): write the reason plainly.
  process.stderr.write(`web failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
