/**
 * Records that expire, declared where their index is (README "Indexes").
 *
 * On MongoDB an index on the expiry date carries `expireAfterSeconds` and the server
 * deletes expired records itself (a TTL index); the embedded database refuses that option
 * ("not implemented"), so there the same index is created without it and serves a sweep
 * of the worker's cleanup job instead. A model therefore declares such an index with
 * `expiresAfter(...)` rather than with `expireAfterSeconds`: src/db/indexSpecs.ts turns it
 * into the right index for the server at hand.
 */
import type { IndexOptions } from 'mongoose';
import type { Config } from '../config';

const EXPIRY = Symbol('expiry');

export interface Expiry {
  /** Seconds after the indexed date at which a record goes (the settings may decide). */
  afterSeconds: (config: Config) => number;
  /**
   * The index exists only to expire records: on the embedded database it is not created,
   * because the sweep there reads another index (or none is worth its writes).
   */
  ttlOnly: boolean;
}

/**
 * Index options of a single date field by which records expire: a TTL index of
 * `seconds` on MongoDB, a plain index on the embedded database (none when `ttlOnly`).
 */
export function expiresAfter(
  seconds: number | ((config: Config) => number),
  options: { ttlOnly?: boolean } = {},
): IndexOptions {
  const expiry: Expiry = {
    afterSeconds: typeof seconds === 'number' ? () => seconds : seconds,
    ttlOnly: options.ttlOnly ?? false,
  };
  // A symbol key: Mongoose keeps the options object as given, and BSON leaves symbol keys
  // out, so its own index creation (off, unless a caller turns autoIndex on) never sends it.
  return { [EXPIRY]: expiry } as IndexOptions;
}

/** The expiry an index was declared with, if any. */
export function expiryOf(options: object): Expiry | undefined {
  return (options as { [EXPIRY]?: Expiry })[EXPIRY];
}

/**
 * One sweep of the worker's cleanup job. `ttl` names the TTL index (`collection.field`)
 * that removes the same records on MongoDB, where the sweep is then skipped; a sweep
 * without one runs everywhere (a day number, or records that lack the indexed date).
 */
export interface Sweep {
  name: string;
  ttl?: string;
  /** Deletes what expired at `now`; returns how many records went. */
  run(now: Date): Promise<number>;
}
