/**
 * Address books: each legacy document becomes one entry per number. A legacy book can
 * hold thousands of contacts, so fewer books are read per batch and their entries are
 * inserted in chunks of the batch size.
 */
import { ENCRYPTED, encryptFields } from '../../src/crypto/fields';
import { mapAddressBook, type AddressBookEntryDoc } from './addressBooks';
import { insertIgnoringDuplicates, insertedIndexes } from './bulk';
import { TARGET, type PassDeps } from './passDeps';
import { addNote, recordSkip, type CollectionStats } from './report';
import { streamPass } from './stream';
import { idText, type LegacyDoc } from './values';

/** Address books read per batch, against messages' `batchSize` (a book is ~100 times larger). */
const BOOKS_PER_BATCH_DIVISOR = 20;

async function insertEntries(deps: PassDeps, entries: AddressBookEntryDoc[], stats: CollectionStats) {
  for (let start = 0; start < entries.length; start += deps.batchSize) {
    const chunk = entries.slice(start, start + deps.batchSize);
    // Names encrypted as the web stores them (src/crypto/fields.ts).
    const stored = chunk.map((e) => encryptFields(deps.keyring, ENCRYPTED.addressBookEntries, e));
    const outcome = await insertIgnoringDuplicates(deps.target.collection(TARGET.addressBookEntries), stored);
    stats.inserted += insertedIndexes(chunk.length, outcome).length;
    stats.present += outcome.duplicates.size;
    for (const [i, reason] of outcome.failed) recordSkip(stats, chunk[i]?._id ?? '?', reason);
  }
}

async function writeBatch(deps: PassDeps, batch: LegacyDoc[], stats: CollectionStats) {
  const entries: AddressBookEntryDoc[] = [];
  for (const d of batch) {
    const m = mapAddressBook(d, deps);
    if (!m.ok) recordSkip(stats, idText(d._id), m.reason);
    else {
      if (m.value.length === 0) addNote(stats, 'address book without readable contacts', idText(d._id));
      entries.push(...m.value);
    }
  }
  if (deps.dryRun) stats.inserted += entries.length;
  else await insertEntries(deps, entries, stats);
}

export async function importAddressBooks(deps: PassDeps, stats: CollectionStats): Promise<void> {
  await streamPass({
    ...deps,
    batchSize: Math.max(1, Math.floor(deps.batchSize / BOOKS_PER_BATCH_DIVISOR)),
    source: deps.source.collection('address_book'),
    checkpointName: 'address_book',
    stats,
    writeBatch: (batch) => writeBatch(deps, batch, stats),
  });
}
