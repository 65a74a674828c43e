/**
 * Heroku release phase (Procfile `release:`): creates every model's indexes and runs the
 * idempotent start-up tasks (catalog seed) once per deploy, before new processes start.
 */
import { loadConfig } from '../src/config';
import { disconnectDatabase, openDatabase } from '../src/db/mongo';
import { createLogger } from '../src/logger';
import '../src/models';
import { startupTasks } from '../src/startup';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL, undefined, 'release');
  const connection = await openDatabase(config, logger, 'release');
  logger.info({ models: Object.keys(connection.models) }, 'indexes ensured');
  await startupTasks({ logger });
  await disconnectDatabase();
  logger.info('release done');
}

main().catch((err: unknown) => {
  process.stderr.write(`release failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
