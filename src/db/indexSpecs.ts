/**
 * The indexes the models declare, as the server at hand gets them, and how a database's
 * indexes differ from them (README "Indexes"). Pure: src/db/indexes.ts reads the database
 * and applies the plan; the release, `npm start`, the start-up check, check:indexes and
 * the tests all start from `declaredIndexes`.
 */
import type { Config } from '../config';
import { expiryOf } from '../models/expiry';
import type { DatabaseCapabilities } from './capabilities';

export type IndexKey = Record<string, 1 | -1>;

/** One declared index: its key pattern and the options that make it what it is. */
export interface IndexSpec {
  collection: string;
  key: IndexKey;
  unique?: true;
  /** TTL: only where the server honours it (DatabaseCapabilities.ttl). */
  expireAfterSeconds?: number;
}

/** An index as listIndexes describes it. */
export interface ExistingIndex {
  name: string;
  key: Record<string, unknown>;
  unique?: boolean;
  expireAfterSeconds?: number;
  [option: string]: unknown;
}

/** What a model declares: its collection and Mongoose's `schema.indexes()`. */
export interface ModelIndexes {
  collection: string;
  indexes: [Record<string, unknown>, object][];
}

/** Options a declaration may carry; the embedded database has no partial or sparse indexes. */
const DECLARABLE = new Set(['unique', 'background']);

function specOf(
  collection: string,
  fields: Record<string, unknown>,
  options: object,
  ttl: boolean,
  config: Config,
) {
  const unknown = Object.keys(options).filter((o) => !DECLARABLE.has(o));
  if (unknown.length > 0) {
    throw new Error(
      `${collection} ${keyText(fields)}: index option ${unknown.join(', ')} is not supported here (declare expiry with expiresAfter)`,
    );
  }
  const key: IndexKey = {};
  for (const [field, direction] of Object.entries(fields)) {
    if (direction !== 1 && direction !== -1) {
      throw new Error(
        `${collection} ${keyText(fields)}: only ascending and descending keys are declared here`,
      );
    }
    key[field] = direction;
  }
  const spec: IndexSpec = { collection, key };
  if ((options as { unique?: boolean }).unique) spec.unique = true;
  const expiry = expiryOf(options);
  if (expiry && ttl) spec.expireAfterSeconds = expiry.afterSeconds(config);
  return expiry?.ttlOnly && !ttl ? undefined : spec;
}

/**
 * Every index the models declare, for a server with these capabilities: with TTL, the
 * expiry indexes carry `expireAfterSeconds`; without, they are plain (and `ttlOnly` ones
 * are left out). `_id` is the server's own and never listed.
 */
export function declaredIndexes(
  models: ModelIndexes[],
  capabilities: Pick<DatabaseCapabilities, 'ttl'>,
  config: Config,
): IndexSpec[] {
  const specs = new Map<string, IndexSpec>();
  for (const { collection, indexes } of models) {
    for (const [fields, options] of indexes) {
      const spec = specOf(collection, fields, options, capabilities.ttl, config);
      if (!spec) continue;
      const id = `${collection} ${keyText(spec.key)}`;
      const other = specs.get(id);
      // Two models on one collection (a clone) may declare one index twice, never two ways.
      if (other && describeIndex(other) !== describeIndex(spec)) {
        throw new Error(`${id} is declared twice with different options`);
      }
      specs.set(id, spec);
    }
  }
  return [...specs.values()];
}

/** `{a: 1, b: -1}`: a key pattern as people write it. */
export function keyText(key: Record<string, unknown>): string {
  return `{${Object.entries(key)
    .map(([f, d]) => `${f}: ${String(d)}`)
    .join(', ')}}`;
}

/** `users {email: 1} unique`, `sessions {expires: 1} TTL 0 s`: what a log line names. */
export function describeIndex(
  spec: Omit<IndexSpec, 'collection' | 'key'> & { collection?: string; key: Record<string, unknown> },
): string {
  return [
    spec.collection,
    keyText(spec.key),
    spec.unique ? 'unique' : undefined,
    spec.expireAfterSeconds !== undefined ? `TTL ${spec.expireAfterSeconds} s` : undefined,
  ]
    .filter((p) => p !== undefined)
    .join(' ');
}

/** Same fields in the same order and directions (1 and 1.0 alike). */
function sameKey(existing: Record<string, unknown>, declared: IndexKey): boolean {
  const a = Object.entries(existing);
  const b = Object.entries(declared);
  return a.length === b.length && a.every(([f, d], i) => f === b[i]![0] && Number(d) === b[i]![1]);
}

/** Options that change what an index holds or does; others (v, name, background) do not. */
function sameOptions(existing: ExistingIndex, declared: IndexSpec): boolean {
  return (
    Boolean(existing.unique) === Boolean(declared.unique) &&
    existing.expireAfterSeconds === declared.expireAfterSeconds &&
    !existing.sparse &&
    existing.partialFilterExpression === undefined &&
    existing.collation === undefined
  );
}

export interface IndexPlan {
  /** Declared, and absent from the database. */
  missing: IndexSpec[];
  /** Declared, and present under the same key with other options: replaced by the release. */
  differing: { spec: IndexSpec; existing: ExistingIndex }[];
  /** Present on a collection of ours and declared by no model (never `_id_`): dropped by the release. */
  stale: { collection: string; existing: ExistingIndex }[];
}

const isIdIndex = (i: ExistingIndex) => i.name === '_id_' || sameKey(i.key, { _id: 1 });

/**
 * How the database's indexes (`existing`, by collection; a collection not there has none)
 * differ from the declared ones. Indexes are told apart by key pattern, not by name. Only
 * `collections` (those of the models) are ours to call stale; the others are left alone.
 */
export function planIndexes(
  declared: IndexSpec[],
  existing: Map<string, ExistingIndex[]>,
  collections: Iterable<string>,
): IndexPlan {
  const plan: IndexPlan = { missing: [], differing: [], stale: [] };
  const claimed = new Set<ExistingIndex>();
  for (const spec of declared) {
    const sameKeyed = (existing.get(spec.collection) ?? []).filter((i) => sameKey(i.key, spec.key));
    const match = sameKeyed.find((i) => sameOptions(i, spec));
    if (match) claimed.add(match);
    else if (sameKeyed[0]) {
      claimed.add(sameKeyed[0]);
      plan.differing.push({ spec, existing: sameKeyed[0] });
    } else plan.missing.push(spec);
  }
  for (const collection of new Set(collections)) {
    for (const index of existing.get(collection) ?? []) {
      if (!claimed.has(index) && !isIdIndex(index)) plan.stale.push({ collection, existing: index });
    }
  }
  return plan;
}

/** The TTL indexes among the declared ones, as `collection.field` (what Sweep.ttl names). */
export function ttlIndexNames(declared: IndexSpec[]): Set<string> {
  return new Set(
    declared
      .filter((s) => s.expireAfterSeconds !== undefined)
      .map((s) => `${s.collection}.${Object.keys(s.key)[0]}`),
  );
}
