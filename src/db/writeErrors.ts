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

/**
 * Inserts `docs` unordered in one command; returns, per document, whether this call
 * inserted it (false: its unique key existed). Each key is decided on its own, so a batch
 * of claims is one round trip and still one owner per key (README "Databases").
 */
export async function insertEachIfAbsent<T extends Document>(
  collection: Pick<Collection<T>, 'insertMany'>,
  docs: OptionalUnlessRequiredId<T>[],
): Promise<boolean[]> {
  const inserted = docs.map(() => true);
  if (docs.length === 0) return inserted;
  try {
    await collection.insertMany(docs, { ordered: false });
  } catch (err) {
    if (!isOnlyDuplicateKeys(err)) throw err;
    const writeErrors = (err as { writeErrors?: { index?: number; err?: { index?: number } }[] }).writeErrors;
    if (!Array.isArray(writeErrors)) {
      if (docs.length === 1) return [false]; // a single refused insert
      throw err; // which one was refused is unknown: let the caller retry the batch
    }
    for (const w of writeErrors) {
      const i = w.index ?? w.err?.index;
      if (typeof i === 'number') inserted[i] = false;
    }
  }
  return inserted;
}
