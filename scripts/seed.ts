/**
 * `npm run seed` (or `npm run seed:compiled` where only the build is installed): adds every
 * default catalog entry (send choices, receive labels, status tiers) whose id is missing
 * from the database at MONGODB_URI. Existing entries, edited or not, are left unchanged.
 */
import { loadConfig } from '../src/config';
import { requireIndexes } from '../src/db/indexes';
import { disconnectDatabase, openDatabase } from '../src/db/mongo';
import { createLogger } from '../src/logger';
import { seedCatalog } from '../src/services/catalog/seed';
import '../src/models';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('error', undefined, 'seed'); // its own disconnect is not news
  const connection = await openDatabase(config, logger, 'seed');
  await requireIndexes(connection, config, logger);
  const inserted = await seedCatalog({ onlyEmpty: false });
  process.stdout.write(
    `catalog seeded: ${inserted.sendChoices} send choices, ${inserted.receiveLabels} receive labels, ` +
      `${inserted.statusTiers} status tiers inserted (existing ones unchanged)\n`,
  );
  await disconnectDatabase();
}

main().catch((err: unknown) => {
  process.stderr.write(`seed failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
