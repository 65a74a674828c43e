/**
 * upload_address_book (../shared/CONTRACT.md §3): the uploaded book replaces the stored one. Only
 * the difference is written (a re-upload is usually almost the same book), as one delete
 * and one insert, so a reader never sees the book emptied half-way.
 *
 * Cost on the embedded database (README "Databases"): every query scans the collection,
 * and `$in`/`$nin` compare each scanned document with every listed value. A delete of
 * 20,000 listed ids took minutes there, which is what made uploads and the
 * get_address_book calls queued behind them time out. So each upload makes a fixed
 * number of queries, and its delete names the shorter of the two lists (the entries to
 * remove, or the entries to keep), behind an owner_id match that is tried first.
 */
import type { Types } from 'mongoose';
import type { Config } from '../../config';
import { ONE_BATCH } from '../../db/queries';
import { isDuplicateKey, isOnlyDuplicateKeys } from '../../db/writeErrors';
import { type AddressBookContact, diffAddressBook } from '../../domain/addressBook';
import { AddressBook, AddressBookEntry } from '../../models/addressBook';
import { announceJoinedIfDue, type JoinedDeps } from './joined';

export interface UploadDeps extends JoinedDeps {
  config: Config;
}

/** The first upload creates the book's record, which marks it new for "joined" pushes. */
async function recordUpload(userId: Types.ObjectId, entries: number, now: Date): Promise<void> {
  try {
    await AddressBook.create({
      _id: userId,
      first_uploaded_at: now,
      uploaded_at: now,
      entries,
      joined_pending: true,
    });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    await AddressBook.updateOne({ _id: userId }, { $set: { uploaded_at: now, entries } });
  }
}

/** Deletes the stored entries of `remove` with one query whose id list is at most half the book. */
async function removeEntries(
  userId: Types.ObjectId,
  stored: readonly AddressBookContact[],
  remove: readonly string[],
): Promise<void> {
  if (remove.length === 0) return;
  const owner = userId.toHexString();
  const id = (tel: string) => `${owner}:${tel}`;
  if (remove.length <= stored.length / 2) {
    await AddressBookEntry.deleteMany({ owner_id: userId, _id: { $in: remove.map(id) } });
    return;
  }
  const gone = new Set(remove);
  const keep = stored.filter((c) => !gone.has(c.tel)).map((c) => id(c.tel));
  await AddressBookEntry.deleteMany({ owner_id: userId, _id: { $nin: keep } });
}

/** Stores the book (the first ADDRESS_BOOK_MAX_ENTRIES numbers); returns how many were kept. */
export async function uploadAddressBook(
  deps: UploadDeps,
  userId: Types.ObjectId,
  contacts: AddressBookContact[],
): Promise<number> {
  const now = deps.now();
  const kept = contacts.slice(0, deps.config.ADDRESS_BOOK_MAX_ENTRIES);
  const stored = await AddressBookEntry.find({ owner_id: userId }, { tel: 1, name: 1, sent: 1 })
    .batchSize(ONE_BATCH)
    .lean<AddressBookContact[]>(); // `sent` is never stored null
  const { remove, add } = diffAddressBook(stored, kept);
  await removeEntries(userId, stored, remove);
  const owner = userId.toHexString();
  if (add.length > 0) {
    const docs = add.map((c) => ({
      _id: `${owner}:${c.tel}`,
      owner_id: userId,
      tel: c.tel,
      name: c.name,
      ...(c.sent === undefined ? {} : { sent: c.sent }),
      uploaded_at: now,
    }));
    try {
      await AddressBookEntry.insertMany(docs, { ordered: false, lean: true });
    } catch (err) {
      // A concurrent upload of the same book may insert the same entries first: that is fine.
      if (!isOnlyDuplicateKeys(err)) throw err;
    }
  }
  await recordUpload(userId, kept.length, now);
  await announceJoinedIfDue(deps, userId);
  return kept.length;
}
