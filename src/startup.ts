/**
 * Work done once when a process starts, after the indexes exist (catalog seeding and
 * the like). Every task here is idempotent: several processes may start together.
 */
import type { Connection } from 'mongoose';
import type { Config } from './config';
import type { Logger } from './logger';

export interface StartupDeps {
  config: Config;
  logger: Logger;
  connection: Connection;
}

export async function startupTasks(_deps: StartupDeps): Promise<void> {
  // Filled by the features that need it (catalog seed).
}
