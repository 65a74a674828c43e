/**
 * The index step (README "Indexes"). The release (scripts/release.ts: the Heroku release
 * phase, `npm run release`) and `npm start` run `syncIndexes`: what the models declare and
 * is missing is created, what differs (a TTL whose delay changed) is replaced, and what no
 * model declares is dropped. The web and the worker only check at start (`requireIndexes`):
 * one listIndexes per collection, compared by key pattern and options.
 */
import type { Db } from 'mongodb';
import type { Connection } from 'mongoose';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { capabilitiesOf, detectCapabilities, type DatabaseCapabilities } from './capabilities';
import {
  declaredIndexes,
  describeIndex,
  planIndexes,
  ttlIndexNames,
  type ExistingIndex,
  type IndexPlan,
  type IndexSpec,
  type ModelIndexes,
} from './indexSpecs';

const NAMESPACE_NOT_FOUND = 26;
const INDEX_NOT_FOUND = 27;
const codeOf = (err: unknown) => (err as { code?: unknown }).code;

/** What the connection's models declare (importing src/models registers them all). */
export function modelIndexes(connection: Connection): ModelIndexes[] {
  return Object.values(connection.models).map((model) => ({
    collection: model.collection.collectionName,
    indexes: model.schema.indexes(),
  }));
}

/**
 * The TTL indexes (`collection.field`) the models declare for this connection's server:
 * none on the embedded database. The sweeps they name are skipped (workers/periodic/cleanup.ts).
 */
export function ttlIndexesOf(connection: Connection, config: Config): Set<string> {
  return ttlIndexNames(declaredIndexes(modelIndexes(connection), capabilitiesOf(connection), config));
}

function databaseOf(connection: Connection): Db {
  if (!connection.db) throw new Error('the database connection is not open');
  return connection.db;
}

async function listIndexes(db: Db, collection: string): Promise<ExistingIndex[]> {
  try {
    return (await db.collection(collection).listIndexes().toArray()) as ExistingIndex[];
  } catch (err) {
    // A collection not created yet has no index (both servers answer NamespaceNotFound).
    if (codeOf(err) === NAMESPACE_NOT_FOUND) return [];
    throw err;
  }
}

export interface IndexState {
  capabilities: DatabaseCapabilities;
  declared: IndexSpec[];
  plan: IndexPlan;
}

/** The declared indexes for this server and how the database differs: reads only. */
export async function readIndexPlan(connection: Connection, config: Config): Promise<IndexState> {
  const capabilities = await detectCapabilities(connection);
  // Mongoose creates each model's collection once connected (and its indexes, where a
  // caller left autoIndex on): wait for that, since the embedded database can fail a
  // connection when index commands on one collection overlap. Its own index creation may
  // fail (a TTL index already there); the plan below puts that right.
  await Promise.all(Object.values(connection.models).map((model) => model.init().catch(() => undefined)));
  const models = modelIndexes(connection);
  const declared = declaredIndexes(models, capabilities, config);
  const collections = [...new Set(models.map((m) => m.collection))];
  const db = databaseOf(connection);
  const lists = await Promise.all(collections.map((c) => listIndexes(db, c)));
  const existing = new Map(collections.map((c, i) => [c, lists[i]!]));
  return { capabilities, declared, plan: planIndexes(declared, existing, collections) };
}

async function dropIndex(db: Db, collection: string, name: string): Promise<void> {
  try {
    await db.collection(collection).dropIndex(name);
  } catch (err) {
    if (codeOf(err) !== INDEX_NOT_FOUND) throw err; // another process dropped it first
  }
}

/**
 * One command per index: the embedded database fails a connection when two processes send
 * createIndexes with several indexes for one collection at once (two processes starting
 * together with MISSING_INDEXES=create), never with one index each. An index that exists
 * as declared is a no-op.
 */
async function createIndexes(db: Db, specs: IndexSpec[]): Promise<void> {
  for (const s of specs) {
    await db.collection(s.collection).createIndex(s.key, {
      ...(s.unique ? { unique: true } : {}),
      ...(s.expireAfterSeconds !== undefined ? { expireAfterSeconds: s.expireAfterSeconds } : {}),
    });
  }
}

/** `sessions {expires: 1} TTL 3600 s (expires_1)`: an index found, with its name. */
function existingText(collection: string, i: ExistingIndex): string {
  const options = {
    ...(i.unique ? { unique: true as const } : {}),
    ...(i.expireAfterSeconds !== undefined ? { expireAfterSeconds: i.expireAfterSeconds } : {}),
  };
  return `${describeIndex({ collection, key: i.key, ...options })} (${i.name})`;
}

/**
 * Brings the database to the plan: replaced indexes are dropped then created (a unique or
 * TTL option cannot be changed in place on both servers), missing ones created, and stale
 * ones dropped when `dropStale`. Each change is logged.
 */
export async function applyIndexPlan(
  connection: Connection,
  plan: IndexPlan,
  logger: Logger,
  options: { dropStale: boolean },
): Promise<void> {
  const db = databaseOf(connection);
  if (options.dropStale) {
    for (const { collection, existing } of plan.stale) {
      await dropIndex(db, collection, existing.name);
      logger.warn(
        { collection, index: existing.name },
        `index dropped, declared by no model: ${existingText(collection, existing)}`,
      );
    }
  }
  for (const { spec, existing } of plan.differing) {
    await dropIndex(db, spec.collection, existing.name);
    logger.warn(
      { collection: spec.collection, index: existing.name },
      `index replaced, its options differ: ${existingText(spec.collection, existing)} becomes ${describeIndex(spec)}`,
    );
  }
  const creating = [...plan.missing, ...plan.differing.map((d) => d.spec)];
  await createIndexes(db, creating);
  for (const spec of creating) {
    logger.info({ collection: spec.collection }, `index created: ${describeIndex(spec)}`);
  }
}

/**
 * The release's index step (also `npm start`'s and the tests'): the database ends with
 * exactly the declared indexes, `_id_` and the collections of no model left alone.
 */
export async function syncIndexes(
  connection: Connection,
  config: Config,
  logger: Logger,
): Promise<IndexState> {
  const state = await readIndexPlan(connection, config);
  await applyIndexPlan(connection, state.plan, logger, { dropStale: true });
  const { plan, capabilities } = state;
  logger.info(
    {
      server: capabilities.server,
      ttl: capabilities.ttl,
      declared: state.declared.length,
      created: plan.missing.length,
      replaced: plan.differing.length,
      dropped: plan.stale.length,
    },
    'indexes in step with the models',
  );
  return state;
}

const FIX = 'create them with the release (npm run release; on Heroku the release phase of a deploy)';

/**
 * Start-up check of the web and the worker: one listIndexes per collection. What is
 * missing or differs is then up to MISSING_INDEXES: `fail` logs an error naming each index
 * (collection and keys) with the fix and throws (the process exits 1); `warn` logs the same
 * and starts (queries on MongoDB scan until the release runs); `create` creates them, each
 * logged (never drops: the release does). Indexes no model declares are only mentioned.
 */
export async function requireIndexes(
  connection: Connection,
  config: Config,
  logger: Logger,
): Promise<IndexState> {
  const state = await readIndexPlan(connection, config);
  const { plan } = state;
  for (const { collection, existing } of plan.stale) {
    logger.info(
      { collection, index: existing.name },
      `index declared by no model (the release drops it): ${existingText(collection, existing)}`,
    );
  }
  const wrong = [
    ...plan.missing.map((spec) => ({ spec, text: `index missing: ${describeIndex(spec)}` })),
    ...plan.differing.map(({ spec, existing }) => ({
      spec,
      text: `index differs: ${describeIndex(spec)} declared, ${existingText(spec.collection, existing)} found`,
    })),
  ];
  if (wrong.length === 0) {
    logger.info({ declared: state.declared.length, server: state.capabilities.server }, 'indexes checked');
    return state;
  }
  if (config.MISSING_INDEXES === 'create') {
    // Outside production by default: each creation is logged by applyIndexPlan.
    logger.warn(
      { missing: plan.missing.length, differing: plan.differing.length },
      `${wrong.length} index(es) missing or different, created now (MISSING_INDEXES=create); in production the release does this`,
    );
    await applyIndexPlan(connection, plan, logger, { dropStale: false });
    return state;
  }
  for (const { spec, text } of wrong) {
    logger.error({ collection: spec.collection, key: spec.key }, `${text}; ${FIX}`);
  }
  if (config.MISSING_INDEXES === 'fail') {
    const names = wrong.map((w) => describeIndex(w.spec)).join('; ');
    throw new Error(
      `${wrong.length} index(es) missing or different: ${names}; ${FIX}, or set MISSING_INDEXES=warn to start without them`,
    );
  }
  return state;
}
