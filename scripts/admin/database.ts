/**
 * What every admin command runs in: the settings, a logger on stderr (stdout is the
 * command's own output, e.g. an export), and the database at MONGODB_URI, closed after.
 */
import { loadConfig, type Config } from '../../src/config';
import { disconnectDatabase, openDatabase } from '../../src/db/mongo';
import { createLogger, type Logger } from '../../src/logger';
import '../../src/models';

export interface AdminContext {
  config: Config;
  logger: Logger;
  now: () => Date;
}

export async function withDatabase<T>(name: string, fn: (ctx: AdminContext) => Promise<T>): Promise<T> {
  const config = loadConfig();
  // Errors only: each command prints what it did, and its own disconnect is not news.
  const logger = createLogger('error', process.stderr, name);
  await openDatabase(config, logger, name);
  try {
    return await fn({ config, logger, now: () => new Date() });
  } finally {
    await disconnectDatabase();
  }
}

/** The one positional argument (an email or a user id), or undefined when not exactly one. */
export function accountArgument(args: string[]): string | undefined {
  const positional = args.filter((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
  return positional.length === 1 ? positional[0] : undefined;
}
