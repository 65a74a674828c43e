/**
 * `rotate-keys` (README "Privacy"): rewrites every encrypted value that is not under the
 * first key of DATA_KEYS under it, and encrypts the plain values left from before
 * encryption, collection by collection of src/crypto/fields.ts, in _id order.
 *
 * Resumable by what it rewrites: a value already under the first key is skipped (its key
 * id is read from the stored text, nothing is decrypted), so a run stopped anywhere is
 * continued by running it again, and a run that rewrites nothing says the old keys can go.
 *
 * Cost (README "Databases"): each collection is read once, through one cursor; writes
 * are bulkWrites of updateOne by exactly {_id}, the one update the embedded database does
 * not answer with a scan, UPDATES_PER_COMMAND at a time. Updating by _id alone means a value the
 * app rewrites between a batch's read and its write would be put back: message texts and
 * media ids, and push texts, never change once stored; an address-book entry re-uploaded
 * with another name in that instant keeps its previous name until the next upload.
 */
import type { AnyBulkWriteOperation, Db, Document } from 'mongodb';
import { DataKeyError, decryptText, encryptText, storedKeyId } from '../../crypto/codec';
import { ENCRYPTED_COLLECTIONS, contextOf, type EncryptedCollection } from '../../crypto/fields';
import type { Keyring } from '../../crypto/keyring';

export const DEFAULT_ROTATION_BATCH = 500;
/**
 * Updates sent in one command. The embedded database (FerretDB 1.24) keeps every
 * statement's read open until the whole update command ends (msg_update.go defers each
 * iterator's Close inside its loop), so a command of about 100 statements takes every
 * connection of its pool and never returns; 50 leave room for the app's own queries.
 */
const UPDATES_PER_COMMAND = 50;
/** Unreadable values listed by id in the report (the count is always complete). */
const MAX_LISTED = 20;

/** The import's progress shape (scripts/lib/importProgress.ts renders both). */
export interface RotationProgress {
  begin(name: string, total: number): void;
  advance(n: number): void;
  end(): void;
}

export interface RotateDeps {
  db: Db;
  keyring: Keyring;
  batchSize?: number;
  progress?: RotationProgress;
  /** Asked after each batch; true ends the run there (what was written stays written). */
  shouldStop?: () => boolean;
  /** Count what would be rewritten, write nothing. */
  dryRun?: boolean;
}

export interface CollectionRotation {
  collection: string;
  scanned: number;
  /** Values rewritten under the first key (or that would be, in a dry run). */
  rewritten: number;
  /** Of those, values that were plain text (stored before encryption). */
  plain: number;
  unreadable: number;
}

export interface RotationReport {
  keyId: string;
  collections: CollectionRotation[];
  interrupted: boolean;
  /** Values that cannot be decrypted with DATA_KEYS: `<collection> <_id> <field>: <why>`. */
  unreadable: string[];
}

const SILENT: RotationProgress = { begin: () => {}, advance: () => {}, end: () => {} };

interface Run {
  deps: RotateDeps;
  report: RotationReport;
  batchSize: number;
  progress: RotationProgress;
}

/** The $set that moves one document's values under the first key; empty when none needs it. */
function rewriteOf(run: Run, spec: EncryptedCollection, doc: Document, stats: CollectionRotation): Document {
  const { keyring } = run.deps;
  const set: Document = {};
  for (const field of spec.fields) {
    const value: unknown = doc[field];
    if (typeof value !== 'string' || value === '') continue;
    const keyId = storedKeyId(value);
    if (keyId === keyring.current.id) continue;
    const context = contextOf(spec, field);
    try {
      set[field] = encryptText(keyring, context, decryptText(keyring, context, value));
    } catch (err) {
      if (!(err instanceof DataKeyError)) throw err;
      stats.unreadable++;
      if (run.report.unreadable.length < MAX_LISTED)
        run.report.unreadable.push(`${spec.collection} ${String(doc._id)} ${field}: ${err.message}`);
      continue;
    }
    stats.rewritten++;
    if (keyId === undefined) stats.plain++;
  }
  return set;
}

async function write(run: Run, spec: EncryptedCollection, ops: AnyBulkWriteOperation[]): Promise<void> {
  if (run.deps.dryRun) return;
  for (let i = 0; i < ops.length; i += UPDATES_PER_COMMAND) {
    await run.deps.db
      .collection(spec.collection)
      .bulkWrite(ops.slice(i, i + UPDATES_PER_COMMAND), { ordered: false });
  }
}

/** One collection; false when asked to stop. */
async function rotateCollection(run: Run, spec: EncryptedCollection): Promise<boolean> {
  const stats: CollectionRotation = {
    collection: spec.collection,
    scanned: 0,
    rewritten: 0,
    plain: 0,
    unreadable: 0,
  };
  run.report.collections.push(stats);
  const collection = run.deps.db.collection(spec.collection);
  run.progress.begin(spec.collection, await collection.estimatedDocumentCount());
  const projection = Object.fromEntries(spec.fields.map((f) => [f, 1]));
  const cursor = collection.find({}, { projection, sort: { _id: 1 }, batchSize: run.batchSize });
  let ops: AnyBulkWriteOperation[] = [];
  let inBatch = 0;
  try {
    for await (const doc of cursor) {
      stats.scanned++;
      inBatch++;
      const set = rewriteOf(run, spec, doc, stats);
      if (Object.keys(set).length > 0)
        ops.push({ updateOne: { filter: { _id: doc._id }, update: { $set: set } } });
      if (inBatch < run.batchSize) continue;
      await write(run, spec, ops);
      run.progress.advance(inBatch);
      [ops, inBatch] = [[], 0];
      if (run.deps.shouldStop?.()) return false;
    }
    await write(run, spec, ops);
    run.progress.advance(inBatch);
    return true;
  } finally {
    run.progress.end();
    await cursor.close();
  }
}

export async function rotateKeys(deps: RotateDeps): Promise<RotationReport> {
  const run: Run = {
    deps,
    report: { keyId: deps.keyring.current.id, collections: [], interrupted: false, unreadable: [] },
    batchSize: deps.batchSize ?? DEFAULT_ROTATION_BATCH,
    progress: deps.progress ?? SILENT,
  };
  for (const spec of ENCRYPTED_COLLECTIONS) {
    if (!(await rotateCollection(run, spec))) {
      run.report.interrupted = true;
      break;
    }
  }
  return run.report;
}
