/**
 * `npm run import:legacy -- --from <uri of the original database> [--dry-run] [--batch-size N]`
 * copies the original server's data into the database at MONGODB_URI, keeping every id.
 * Safe to run again: it only adds what is missing, and continues an interrupted run.
 * Ctrl-C stops after the current batch (a second Ctrl-C stops at once).
 */
import { MongoClient } from 'mongodb';
import { loadConfig } from '../src/config';
import { syncIndexes } from '../src/db/indexes';
import { connectDatabase, disconnectDatabase, loadDataKeys } from '../src/db/mongo';
import { DEFAULT_BATCH_SIZE, importLegacy } from './import/runner';
import { defaultHashConcurrency } from './import/passwords';
import { formatReport } from './import/report';
import { createLogger } from '../src/logger';
import { importProgress } from './lib/importProgress';
import '../src/models';

const USAGE =
  'usage: npm run import:legacy -- --from <mongodb uri of the original database> [--dry-run] [--batch-size N]';

interface Args {
  from: string;
  dryRun: boolean;
  batchSize: number;
}

export function parseArgs(argv: string[]): Args {
  const args: Partial<Args> = { dryRun: false, batchSize: DEFAULT_BATCH_SIZE };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = (argv[i] ?? '').split(/=(.*)/s, 2);
    const value = () => inline ?? argv[++i] ?? '';
    if (flag === '--from') args.from = value();
    else if (flag === '--dry-run') args.dryRun = true;
    else if (flag === '--batch-size') args.batchSize = Number(value());
    else throw new Error(`unknown argument ${flag}\n${USAGE}`);
  }
  if (!args.from) throw new Error(`--from is required\n${USAGE}`);
  if (!/^mongodb(\+srv)?:\/\//.test(args.from))
    throw new Error('--from must be a mongodb:// or mongodb+srv:// URI');
  if (!Number.isInteger(args.batchSize) || (args.batchSize ?? 0) < 1) {
    throw new Error('--batch-size must be a positive integer');
  }
  return args as Args;
}

export function databaseName(uri: string): string {
  const name = /^mongodb(?:\+srv)?:\/\/[^/]*\/([^?]*)/.exec(uri)?.[1] ?? '';
  if (!name) throw new Error(`--from must name the database, e.g. mongodb://host:27017/pictever`);
  return decodeURIComponent(name);
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const args = parseArgs(argv);
  const config = loadConfig();
  if (!config.MONGODB_URI) throw new Error('MONGODB_URI (the target database) is not set');
  if (config.MONGODB_URI === args.from) throw new Error('--from and MONGODB_URI are the same database');
  const logger = createLogger('error', undefined, 'import-legacy');
  const source = new MongoClient(args.from, { serverSelectionTimeoutMS: 10_000 });
  await source.connect();
  loadDataKeys(config, logger); // what the import encrypts with: the web's keys
  const connection = await connectDatabase(config.MONGODB_URI, logger);
  // The unique email index is what refuses a second account with one email.
  if (!args.dryRun) await syncIndexes(connection, config, logger);
  let stop = false;
  process.on('SIGINT', () => {
    if (stop) process.exit(130);
    stop = true;
    process.stderr.write('\nstopping after the current batch (Ctrl-C again to quit now)\n');
  });
  const hashConcurrency = defaultHashConcurrency();
  process.stderr.write(`passwords: bcrypt cost ${config.BCRYPT_COST}, ${hashConcurrency} at a time\n`);
  const started = Date.now();
  const report = await importLegacy({
    source: source.db(databaseName(args.from)),
    target: connection.db!,
    dryRun: args.dryRun,
    batchSize: args.batchSize,
    progress: importProgress(),
    shouldStop: () => stop,
    bcryptCost: config.BCRYPT_COST,
    hashConcurrency,
  });
  process.stdout.write(`${formatReport(report)}\n`);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const peakMb = (process.resourceUsage().maxRSS / 1024).toFixed(0);
  process.stderr.write(`took ${seconds} s, peak memory (max RSS) ${peakMb} MB\n`);
  await source.close();
  await disconnectDatabase();
  return report.interrupted ? 1 : 0;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`import failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
