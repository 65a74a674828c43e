/**
 * Duplicate keys as answers. Races are decided by inserts into a unique key (README
 * "Databases"), so "this key exists already" is how the loser learns it lost, and a
 * re-run learns its work is done. Which refusals count as that answer differs: a single
 * insert's, or a bulk insert's when every one of its refusals is a duplicate.
 */
import type { Collection, Document, OptionalUnlessRequiredId } from 'mongodb';

const DUPLICATE_KEY = 11000;

/** The error (or one write error of a bulk write) is a duplicate-key refusal, by its code alone. */
export function isDuplicateKey(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === DUPLICATE_KEY;
}

/**
 * A duplicate-key refusal, or a bulk write whose every write error is one: whatever was
 * not refused was written. A write error copied out of the driver's WriteError keeps its
 * code only under `err`.
 */
export function isOnlyDuplicateKeys(err: unknown): boolean {
  const writeErrors = (err as { writeErrors?: unknown } | null)?.writeErrors;
  if (Array.isArray(writeErrors) && writeErrors.length > 0) {
    return writeErrors.every(
      (w: { code?: unknown; err?: { code?: unknown } }) => (w.code ?? w.err?.code) === DUPLICATE_KEY,
    );
  }
  return isDuplicateKey(err);
}

/** Inserts `doc`; false when its unique key exists (the race was lost, or the insert had landed). */
export async function insertIfAbsent<T extends Document>(
  collection: Pick<Collection<T>, 'insertOne'>,
  doc: OptionalUnlessRequiredId<T>,
): Promise<boolean> {
  try {
    await collection.insertOne(doc);
    return true;
  } catch (err) {
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}
