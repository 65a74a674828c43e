/**
 * `npm run check:indexes`: proves that every query the server and the worker send is
 * served by a declared index on MongoDB (the embedded database cannot show it: it scans).
 *
 * Starts a database, a real web process and a real worker with DB_QUERY_LOG_DIR set, drives
 * every endpoint the way the apps do (scripts/lib/indexScenario.ts), lets the worker
 * deliver, runs the periodic jobs once, then checks each recorded query shape against the indexes the models declare.
 * Shapes recorded elsewhere (the benchmarks, worker test processes) are included with
 * `--include <dir>`. Prints each shape with its index; exits 1 on any uncovered shape.
 *
 * On the embedded database's PostgreSQL backend it also prints each shape's PostgreSQL plan
 * (./lib/postgresPlans.ts) and exits 1 when a query on a collection that is not small would
 * scan its table: the indexes of scripts/devdb/pgindex.go must serve every equality.
 */
import { mkdtempSync, readdirSync, readFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mongoose, { Types } from 'mongoose';
import { MongoClient } from 'mongodb';
import { loadConfig } from '../src/config';
import { useDataKeys } from '../src/crypto/current';
import { modelIndexes } from '../src/db/indexes';
import { declaredIndexes } from '../src/db/indexSpecs';
import { recordQueryShapes } from '../src/db/queryShapes';
import { createLogger } from '../src/logger';
import { AppError } from '../src/errors';
import { createMailer } from '../src/mail';
import { requeueById } from '../src/services/ops/requeue';
import { runCleanup } from '../workers/periodic/cleanup';
import { sendSignupReminders } from '../workers/periodic/reminder';
import { sweepOrphanMessages } from '../workers/periodic/sweep';
import type { QueryShape } from '../src/db/queryShapes';
import '../src/models';
import { checkCoverage, type IndexKeys } from './lib/indexCoverage';
import { runIndexScenario } from './lib/indexScenario';
import { onPostgres, planShapes, type ShapePlan } from './lib/postgresPlans';
import { stackDataKeys, startDatabase, startProcess, startWeb } from './lib/stack';

/** The catalog is a handful of documents read whole and cached. */
const SMALL_COLLECTIONS = new Set(['send_choices', 'receive_labels', 'status_tiers']);

/** The indexes the release creates on MongoDB (TTL ones included), by collection. */
function mongoIndexes(): Map<string, IndexKeys[]> {
  const map = new Map<string, IndexKeys[]>();
  const config = loadConfig({ NODE_ENV: 'test' });
  for (const spec of declaredIndexes(modelIndexes(mongoose.connection), { ttl: true }, config)) {
    map.set(spec.collection, [...(map.get(spec.collection) ?? []), Object.keys(spec.key)]);
  }
  return map;
}

function readShapes(dirs: string[]): QueryShape[] {
  const unique = new Map<string, QueryShape>();
  for (const dir of dirs.filter((d) => existsSync(d))) {
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.jsonl') && !f.startsWith('test-'))) {
      for (const line of readFileSync(path.join(dir, file), 'utf8').split('\n').filter(Boolean)) {
        const shape = JSON.parse(line) as QueryShape;
        const { op: _op, ...key } = shape;
        unique.set(JSON.stringify(key), shape);
      }
    }
  }
  return [...unique.values()].sort((a, b) => a.collection.localeCompare(b.collection));
}

/**
 * The worker's periodic jobs run on cron schedules too far apart for the scenario, so
 * they are run once here, in-process, on the same database and recorded the same way;
 * so is the one query of `admin requeue <id>` the console does not send (an id that is
 * no failed push is looked up as a message's, scripts/admin/ops/requeue.ts).
 */
async function runPeriodicJobs(uri: string, logDir: string): Promise<void> {
  const config = loadConfig({ NODE_ENV: 'test', MONGODB_URI: uri, DATA_KEYS: stackDataKeys() });
  useDataKeys(config);
  const logger = createLogger('warn');
  await mongoose.connect(uri, { monitorCommands: true });
  recordQueryShapes(mongoose.connection.getClient(), logDir, 'jobs');
  const now = () => new Date();
  const mailer = createMailer(config, logger);
  await sendSignupReminders({ mailer, logger, workerId: 'check-indexes', now });
  await sweepOrphanMessages(now(), logger, 'check-indexes');
  await runCleanup(now(), logger, config);
  await requeueById(new Types.ObjectId().toHexString(), 'cli@check-indexes', now()).catch((err: unknown) => {
    if (!(err instanceof AppError && err.status === 404)) throw err;
  });
  await mongoose.disconnect();
}

async function dropDatabase(uri: string): Promise<void> {
  const client = await MongoClient.connect(uri, { serverSelectionTimeoutMS: 5_000 });
  try {
    await client.db().dropDatabase();
  } finally {
    await client.close();
  }
}

const describeShape = (s: QueryShape) =>
  `${s.collection} ${s.op} eq[${s.eq.join(',')}] sort[${s.sort.join(',')}] range[${s.range.join(',')}]` +
  (s.other.length ? ` other[${s.other.join(',')}]` : '');

/** The PostgreSQL plans of the shapes on the embedded database's PostgreSQL backend; else undefined. */
async function postgresPlansOf(uri: string, shapes: QueryShape[]): Promise<ShapePlan[] | undefined> {
  const client = await MongoClient.connect(uri, { serverSelectionTimeoutMS: 5_000 });
  try {
    const db = client.db();
    return (await onPostgres(db)) ? await planShapes(db, shapes) : undefined;
  } finally {
    await client.close();
  }
}

/** Prints each plan; returns how many queries of collections that are not small scan their table. */
function reportPlans(plans: ShapePlan[]): number {
  process.stdout.write('\nPostgreSQL plans (embedded database, enable_seqscan=off):\n');
  let scans = 0;
  for (const p of plans) {
    const small = SMALL_COLLECTIONS.has(p.shape.collection);
    const mark = p.indexed ? 'ok  ' : !p.nodes ? 'n/a ' : small ? 'small' : 'SCAN';
    if (mark === 'SCAN') scans += 1;
    const plan = p.nodes ? p.nodes.join(' > ') : 'no stored document to build its filter from';
    process.stdout.write(`${mark} ${describeShape(p.shape)}  <- ${plan}\n`);
  }
  const indexed = plans.filter((p) => p.indexed).length;
  process.stdout.write(
    `${plans.length} shapes with an equality, ${indexed} read through an index, ${scans} scan\n`,
  );
  return scans;
}

async function main(): Promise<void> {
  const includeAt = process.argv.indexOf('--include');
  const extraDirs = includeAt > 0 && process.argv[includeAt + 1] ? [process.argv[includeAt + 1]!] : [];
  const logDir = mkdtempSync(path.join(os.tmpdir(), 'pictever-queries-'));
  // A name of its own: on a MONGODB_URI server the database is dropped at the end.
  // enable_seqscan=off: on the small tables of the scenario the planner would scan anyway.
  const db = await startDatabase(`indexcheck_${Date.now().toString(36)}`, {
    postgresSettings: ['enable_seqscan=off'],
  });
  const env = {
    MONGODB_URI: db.uri,
    DB_QUERY_LOG_DIR: logDir,
    WORKER_POLL_MS: '100',
    WORKER_HEARTBEAT_S: '1',
    OPERATOR_TOKEN: 'index-check-operator-token-0123456789abcdef',
  };
  process.env.OPERATOR_TOKEN = env.OPERATOR_TOKEN;
  const lines: string[] = [];
  const keep = (l: string) => lines.push(l);
  const worker = startProcess('workers/notifier.ts', env, keep);
  const { web, baseUrl } = await startWeb(env, keep);
  let shapes: QueryShape[];
  let plans: ShapePlan[] | undefined;
  try {
    try {
      process.stdout.write(`driving every endpoint against ${baseUrl}\n`);
      await runIndexScenario(baseUrl, db.uri);
      await runPeriodicJobs(db.uri, logDir);
    } finally {
      await Promise.all([web.stop(), worker.stop()]);
    }
    shapes = readShapes([logDir, ...extraDirs]);
    plans = await postgresPlansOf(db.uri, shapes);
  } finally {
    if (db.devdb) await db.devdb.stop();
    else await dropDatabase(db.uri);
  }
  const { covered, uncovered } = checkCoverage(shapes, mongoIndexes(), SMALL_COLLECTIONS);
  for (const c of covered) {
    process.stdout.write(
      `ok   ${describeShape(c.shape)}  <- ${c.index ? `{${c.index.join(', ')}}` : c.note}\n`,
    );
  }
  for (const c of uncovered) process.stdout.write(`MISS ${describeShape(c.shape)}\n`);
  process.stdout.write(
    `${shapes.length} query shapes, ${covered.length} served by an index, ${uncovered.length} not\n`,
  );
  if (shapes.length === 0) throw new Error('no query was recorded: the scenario did not run');
  const scans = plans ? reportPlans(plans) : 0;
  if (uncovered.length > 0 || scans > 0) {
    process.stderr.write(lines.slice(-20).join('\n'));
    process.exit(1);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`check:indexes failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
