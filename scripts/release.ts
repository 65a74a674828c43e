/**
 * Heroku release phase (Procfile `release:`), and `npm run release` against MONGODB_URI:
 * brings the indexes in step with the models (creates the missing, replaces those whose
 * options differ, drops those no model declares; src/db/indexes.ts) and runs the idempotent
 * start-up tasks (catalog seed), once per deploy and config change, before new processes
 * start. A failure stops the deploy.
 */
import { loadConfig } from '../src/config';
import { syncIndexes } from '../src/db/indexes';
import { disconnectDatabase, openDatabase } from '../src/db/mongo';
import { createLogger } from '../src/logger';
import '../src/models';
import { startupTasks } from '../src/startup';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL, undefined, 'release');
  const connection = await openDatabase(config, logger, 'release');
  await syncIndexes(connection, config, logger);
  await startupTasks({ logger });
  await disconnectDatabase();
  logger.info('release done');
}

main().catch((err: unknown) => {
  process.stderr.write(`release failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
