/**
 * `importLegacy`: copies the original server's database into ours, keeping every id the
 * apps know. Order matters: the catalog (status tiers rank the users), users and their
 * phone numbers (bottles of numbers that have an owner go to that owner), messages, then
 * address books. Each pass is idempotent and resumable (see checkpoints.ts); a run that
 * reaches the end clears the checkpoints.
 */
import type { Db } from 'mongodb';
import { dataKeys } from '../../src/crypto/current';
import type { Keyring } from '../../src/crypto/keyring';
import { parseAddressBook } from '../../src/domain/addressBook';
import { normaliseEmail } from '../../src/domain/email';
import { normalisePhone } from '../../src/domain/phone';
import { importAddressBooks } from './addressBooksPass';
import { importCatalog } from './catalogPass';
import { mapStatusTiers, rankByLabel } from './catalog';
import { dbCheckpoints, noCheckpoints } from './checkpoints';
import { importMessages } from './messagesPass';
import { defaultHashConcurrency } from './passwords';
import { TARGET, type Normalisers, type PassDeps } from './passDeps';
import { newStats, type ImportReport } from './report';
import { ImportInterrupted, silentProgress, type Progress } from './stream';
import { importUsers } from './usersPass';
import { suggestedConfig } from './webApp';

export const DEFAULT_BATCH_SIZE = 1000;

/** The same rules as the routes, so imported data is found the way the apps ask for it. */
const PROJECT_NORMALISERS: Normalisers = {
  normaliseEmail,
  normalisePhone: (raw) => normalisePhone(raw) ?? '',
  parseContacts: (text) => parseAddressBook(text).contacts,
};

export interface ImportOptions extends Partial<Normalisers> {
  source: Db;
  target: Db;
  dryRun?: boolean;
  batchSize?: number;
  progress?: Progress;
  /** Asked after each written batch; true stops the run at a consistent checkpoint. */
  shouldStop?: () => boolean;
  now?: () => Date;
  /** bcrypt cost of the imported passwords: the server's BCRYPT_COST. */
  bcryptCost: number;
  /** Passwords hashed at once; the number of cores by default. */
  hashConcurrency?: number;
  /** The keys message texts, media ids and address-book names are encrypted with; the process's by default. */
  keyring?: Keyring;
}

async function statusRanks(deps: PassDeps): Promise<Map<string, number>> {
  const tiers = await deps.target.collection(TARGET.statusTiers).find({}).toArray();
  if (!deps.dryRun) return rankByLabel(tiers);
  // A dry run wrote nothing: rank by the original's tiers as they would be imported.
  const legacy = await deps.source.collection('status').find({}).toArray();
  const mapped = mapStatusTiers(legacy).flatMap((m) => (m.ok ? [m.value] : []));
  return rankByLabel(mapped.length > 0 ? mapped : tiers);
}

async function webAppConfig(deps: PassDeps): Promise<ImportReport['config']> {
  const doc = await deps.source.collection('web_app').findOne({}, { sort: { _id: -1 } });
  return doc ? suggestedConfig(doc) : undefined;
}

export async function importLegacy(options: ImportOptions): Promise<ImportReport> {
  const dryRun = options.dryRun ?? false;
  const deps: PassDeps = {
    ...PROJECT_NORMALISERS,
    ...options,
    dryRun,
    batchSize: options.batchSize ?? DEFAULT_BATCH_SIZE,
    checkpoints: dryRun ? noCheckpoints : dbCheckpoints(options.target),
    progress: options.progress ?? silentProgress,
    shouldStop: options.shouldStop ?? (() => false),
    now: (options.now ?? (() => new Date()))(),
    hashConcurrency: options.hashConcurrency ?? defaultHashConcurrency(),
    keyring: options.keyring ?? dataKeys(),
  };
  const report: ImportReport = { dryRun, interrupted: false, collections: [] };
  const users = newStats('user', `${TARGET.users}, ${TARGET.phoneOwners}`);
  const messages = newStats('message', `${TARGET.messages}, ${TARGET.pushJobs}`);
  const books = newStats('address_book', TARGET.addressBookEntries);
  try {
    report.collections.push(...(await importCatalog(deps)), users, messages, books);
    await importUsers(deps, users, await statusRanks(deps));
    await importMessages(deps, messages);
    await importAddressBooks(deps, books);
    report.config = await webAppConfig(deps);
    await deps.checkpoints.clearAll();
  } catch (err) {
    // The counts so far are still worth showing; the checkpoints let a re-run continue.
    report.interrupted = true;
    if (!(err instanceof ImportInterrupted))
      report.failure = err instanceof Error ? err.message : String(err);
  }
  return report;
}
