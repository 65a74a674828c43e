/**
 * Where an interrupted import stands, in the target's `import_checkpoints` collection:
 * per legacy collection, the last _id whose batch is fully written (legacy collections are
 * read in _id order), the last _id of the batch being written (whose follow-up writes,
 * e.g. push jobs, may be missing), and whether the collection is done. A run that
 * completes deletes them all, so the next run reads everything again and only adds what
 * is missing (new legacy records since the last run).
 */
import type { Db } from 'mongodb';

export const CHECKPOINT_COLLECTION = 'import_checkpoints';

export interface Checkpoint {
  _id: string;
  last_id?: unknown;
  inflight_to?: unknown;
  done: boolean;
  updated_at: Date;
}

export interface CheckpointStore {
  get(name: string): Promise<Checkpoint | undefined>;
  /** Before writing a batch: its last _id. */
  begin(name: string, inflightTo: unknown): Promise<void>;
  /** After writing a batch. */
  advance(name: string, lastId: unknown): Promise<void>;
  finish(name: string): Promise<void>;
  clearAll(): Promise<void>;
}

export function dbCheckpoints(db: Db): CheckpointStore {
  const coll = db.collection<Checkpoint>(CHECKPOINT_COLLECTION);
  const set = (name: string, fields: Partial<Checkpoint>) =>
    coll.updateOne({ _id: name }, { $set: { ...fields, updated_at: new Date() } }, { upsert: true });
  return {
    get: async (name) => (await coll.findOne({ _id: name })) ?? undefined,
    begin: async (name, inflightTo) => {
      await set(name, { inflight_to: inflightTo, done: false });
    },
    advance: async (name, lastId) => {
      await set(name, { last_id: lastId });
    },
    finish: async (name) => {
      await set(name, { done: true });
    },
    clearAll: async () => {
      await coll.deleteMany({});
    },
  };
}

/** A dry run remembers nothing. */
export const noCheckpoints: CheckpointStore = {
  get: () => Promise.resolve(undefined),
  begin: () => Promise.resolve(),
  advance: () => Promise.resolve(),
  finish: () => Promise.resolve(),
  clearAll: () => Promise.resolve(),
};
