/**
 * Work done once when a process starts, after the indexes exist (catalog seeding and
 * the like). Every task here is idempotent: several processes may start together.
 */
import type { Logger } from './logger';
import { seedCatalog } from './services/catalog/seed';

export interface StartupDeps {
  logger: Logger;
}

export async function startupTasks(deps: StartupDeps): Promise<void> {
  // A fresh database gets the default catalog; a seeded, edited or imported one is left as is.
  const seeded = await seedCatalog({ onlyEmpty: true });
  if (seeded.sendChoices + seeded.receiveLabels + seeded.statusTiers > 0) {
    deps.logger.info({ seeded }, 'catalog seeded');
  }
}
