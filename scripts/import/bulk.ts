/**
 * Unordered bulk inserts where a duplicate key is an answer, not a failure: on a re-run
 * every document is already there. Other per-document refusals are returned with the
 * server's reason; anything else (connection lost) is thrown and the run stops.
 */
import { MongoBulkWriteError, type Collection, type Document, type WriteError } from 'mongodb';
import { isDuplicateKey } from '../../src/db/writeErrors';

export interface InsertOutcome {
  /** Indexes (in the given array) refused as duplicates. */
  duplicates: Set<number>;
  /** Index → the server's reason, for other refusals. */
  failed: Map<number, string>;
}

const isList = (v: unknown): v is readonly WriteError[] => Array.isArray(v);

export async function insertIgnoringDuplicates(
  coll: Collection<Document>,
  docs: readonly Document[],
): Promise<InsertOutcome> {
  const outcome: InsertOutcome = { duplicates: new Set(), failed: new Map() };
  if (docs.length === 0) return outcome;
  try {
    // The driver adds _id to documents without one; every document here has its own.
    await coll.insertMany(docs, { ordered: false });
  } catch (err) {
    if (!(err instanceof MongoBulkWriteError)) throw err;
    const raw: WriteError | readonly WriteError[] | undefined = err.writeErrors;
    const errors: readonly WriteError[] = isList(raw) ? raw : raw ? [raw] : [];
    if (errors.length === 0) throw err;
    for (const w of errors) {
      if (isDuplicateKey(w)) outcome.duplicates.add(w.index);
      else outcome.failed.set(w.index, `insert refused: ${w.errmsg ?? `code ${w.code}`}`);
    }
  }
  return outcome;
}

/** The indexes of `docs` that were inserted. */
export function insertedIndexes(count: number, outcome: InsertOutcome): number[] {
  const result: number[] = [];
  for (let i = 0; i < count; i++) {
    if (!outcome.duplicates.has(i) && !outcome.failed.has(i)) result.push(i);
  }
  return result;
}
