/**
 * Reads one legacy collection in _id order, a batch at a time (memory stays at one
 * batch whatever the collection's size), hands each batch to the collection's writer and
 * checkpoints after it, so that an interrupted run resumes after the last written batch.
 */
import type { Collection, Document, Filter, ObjectId } from 'mongodb';
import type { Checkpoint, CheckpointStore } from './checkpoints';
import type { CollectionStats } from './report';
import { idText, type LegacyDoc } from './values';

export interface Progress {
  begin(name: string, total: number): void;
  advance(n: number): void;
  end(): void;
}

export const silentProgress: Progress = { begin: () => {}, advance: () => {}, end: () => {} };

/** Thrown when the run was asked to stop (tests, Ctrl-C): the checkpoints are consistent. */
export class ImportInterrupted extends Error {
  constructor() {
    super('import interrupted; run it again to continue');
  }
}

export interface BatchContext {
  /**
   * True for records of the batch an interrupted run was writing: their follow-up writes
   * (push jobs, phone owners) may be missing even though the record itself is present.
   */
  mayBeHalfWritten(id: unknown): boolean;
}

export interface PassOptions {
  source: Collection<Document>;
  checkpointName: string;
  checkpoints: CheckpointStore;
  batchSize: number;
  progress: Progress;
  shouldStop: () => boolean;
  stats: CollectionStats;
  writeBatch: (docs: LegacyDoc[], ctx: BatchContext) => Promise<void>;
}

function compareIds(a: unknown, b: unknown): number {
  // Hex ObjectIds have one length and compare like the ObjectIds themselves.
  const [x, y] = [idText(a), idText(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Where a run starts: after the last written batch, redoing follow-ups up to the batch in flight. */
function resumePoint(cp: Checkpoint | undefined, stats: CollectionStats) {
  const filter: Filter<Document> = cp?.last_id !== undefined ? { _id: { $gt: cp.last_id as ObjectId } } : {};
  if (cp?.last_id !== undefined) stats.resumedAfter = idText(cp.last_id);
  const inflight = cp?.inflight_to;
  const ctx: BatchContext = {
    mayBeHalfWritten: (id) => inflight !== undefined && compareIds(id, inflight) <= 0,
  };
  // Never shrink the window of an earlier interrupted batch (batch sizes may differ).
  const inflightTo = (lastId: unknown) =>
    inflight !== undefined && compareIds(lastId, inflight) < 0 ? inflight : lastId;
  return { filter, ctx, inflightTo };
}

export async function streamPass(o: PassOptions): Promise<void> {
  const cp = await o.checkpoints.get(o.checkpointName);
  if (cp?.done) {
    o.stats.status = 'done in an earlier run';
    return;
  }
  const { filter, ctx, inflightTo } = resumePoint(cp, o.stats);
  // An estimate: an exact count would scan the whole collection (and a resumed run reads less).
  o.progress.begin(o.stats.name, await o.source.estimatedDocumentCount());
  o.stats.status = 'interrupted';
  const flush = async (batch: LegacyDoc[]) => {
    const lastId = batch[batch.length - 1]?._id;
    await o.checkpoints.begin(o.checkpointName, inflightTo(lastId));
    o.stats.read += batch.length;
    await o.writeBatch(batch, ctx);
    await o.checkpoints.advance(o.checkpointName, lastId);
    o.progress.advance(batch.length);
    if (o.shouldStop()) throw new ImportInterrupted();
  };
  const cursor = o.source.find(filter).sort({ _id: 1 }).batchSize(o.batchSize);
  try {
    let batch: LegacyDoc[] = [];
    for await (const doc of cursor) {
      batch.push(doc);
      if (batch.length < o.batchSize) continue;
      await flush(batch);
      batch = [];
    }
    if (batch.length > 0) await flush(batch);
  } finally {
    await cursor.close();
    o.progress.end();
  }
  await o.checkpoints.finish(o.checkpointName);
  o.stats.status = 'done';
}
