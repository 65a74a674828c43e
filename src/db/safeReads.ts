/**
 * A read that is safe to repeat (a find, findOne, count, distinct, or an aggregation that
 * writes nothing) and fails because of the database's answer (./faults.ts: `answered`) is
 * run once more, after a short pause, before its error goes on to become a 503. Under
 * write contention the embedded database now and then answers a read with a reply the
 * driver cannot read (`{ok: 1}` without its `cursor`: MongoUnexpectedServerResponseError)
 * or an InternalError ("database is locked"): a fault of the moment, which the same read
 * a little later is unlikely to meet again.
 *
 * Why the driver's own `retryReads` does not cover it: it retries once, and only on a
 * network error or a server code saying "not primary" or "shutting down"
 * (isRetryableReadError in the driver's error.ts); an InternalError and an unreadable reply
 * go straight to the caller.
 *
 * `unreachable` faults are not retried here: the driver has already retried the network
 * error and server selection has already waited its 5 s for a server; one more try would
 * double every request's wait during an outage, then answer the same 503.
 *
 * Writes are never retried: one that failed may have been applied (the server ran it and
 * its answer was lost or garbled), and running it again could apply it twice. Their
 * callers decide; races and reruns go through unique inserts (./writeErrors.ts), and the
 * apps repeat a request after a 503.
 *
 * A find whose documents contradict its filter (./replies.ts) counts as such a failed
 * answer too.
 *
 * One mechanism for every Mongoose read: `retrySafeReads()` wraps Mongoose's Query and
 * Aggregate `exec` once per process (a query middleware cannot: Mongoose's error hooks may
 * change an error but never turn it into a result). Reads on the driver's collections
 * directly (the session store) use `retryRead`.
 */
import mongoose from 'mongoose';
import type { Logger } from '../logger';
import { databaseFault } from './faults';
import { checkReply } from './replies';

/** Query operations that only read. */
const READ_OPS = new Set(['find', 'findOne', 'countDocuments', 'estimatedDocumentCount', 'distinct']);
/** Reads whose documents are checked against their filter (./replies.ts). */
const DOCUMENT_OPS = new Set(['find', 'findOne']);
/** Aggregation stages that write: such a pipeline is not repeated. */
const WRITING_STAGES = new Set(['$out', '$merge']);
/** The pause before the second try, plus as much again at random so that failed reads spread out. */
export const RETRY_PAUSE_MS = 50;

type Warn = Pick<Logger, 'warn'>;
let log: Warn | undefined;

const pause = () => new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS * (1 + Math.random())));

/** Runs `read(0)`; when the database's answer fails it, `read(1)` once after a pause. */
export async function retryRead<T>(what: string, read: (attempt: number) => Promise<T>): Promise<T> {
  try {
    return await read(0);
  } catch (err) {
    if (databaseFault(err) !== 'answered') throw err;
    log?.warn({ err, read: what }, 'database read failed, trying it once more');
    await pause();
    return read(1);
  }
}

interface RunnableQuery {
  op?: string;
  model?: {
    collection?: { collectionName?: string };
    schema?: { path(name: string): { options?: { select?: unknown } } | undefined };
  };
  exec: (this: RunnableQuery, op?: string) => Promise<unknown>;
  clone(): RunnableQuery;
  getFilter(): Record<string, unknown>;
  projection(): Record<string, unknown> | undefined;
  _transforms?: unknown[];
}

interface RunnableAggregate {
  _model?: { collection?: { collectionName?: string } };
  pipeline(): Record<string, unknown>[];
  exec: (this: RunnableAggregate) => Promise<unknown>;
}

/**
 * A query runs once: its second try is a clone (Mongoose's way to run a query again).
 * clone() leaves out the .transform() callbacks: the clone gets those the caller added
 * (`callers`, taken before the first run), not those its hooks add as it runs (the
 * decryption of src/models/encrypted.ts adds its own again).
 */
function again(query: RunnableQuery, callers: unknown[]): RunnableQuery {
  const copy = query.clone();
  if (callers.length > 0) copy._transforms = [...callers];
  return copy;
}

/** Marks Mongoose's prototypes once wrapped, so that a second call never wraps twice. */
const WRAPPED = Symbol.for('pictever.safeReads');

/**
 * Makes every Mongoose read of this process retry once as described above; `logger`
 * gets a warning at each retry (the last one given is used). Safe to call again.
 */
export function retrySafeReads(logger?: Warn): void {
  log = logger ?? log;
  const marks = mongoose.Query.prototype as unknown as Record<symbol, boolean>;
  if (marks[WRAPPED]) return;
  marks[WRAPPED] = true;
  const query = mongoose.Query.prototype as unknown as RunnableQuery;
  const execQuery = query.exec;
  query.exec = function (this: RunnableQuery, op?: string) {
    const name = typeof op === 'string' ? op : this.op;
    if (name === undefined || !READ_OPS.has(name)) return execQuery.call(this, op);
    const collection = this.model?.collection?.collectionName ?? '?';
    const callers = [...(this._transforms ?? [])];
    return retryRead(`${name} ${collection}`, async (attempt) => {
      const run = attempt === 0 ? this : again(this, callers);
      const result = await execQuery.call(run, op);
      // A caller's .transform() may have made the documents into anything: left unchecked.
      if (DOCUMENT_OPS.has(name) && callers.length === 0) {
        // After exec, the filter is the cast one that was sent, and the projection includes
        // the schema's select: false exclusions.
        const hidden = (field: string) => run.model?.schema?.path(field)?.options?.select === false;
        checkReply(collection, run.getFilter(), run.projection(), result, hidden);
      }
      return result;
    });
  };
  const aggregate = mongoose.Aggregate.prototype as unknown as RunnableAggregate;
  const execAggregate = aggregate.exec;
  aggregate.exec = function (this: RunnableAggregate) {
    const writes = this.pipeline().some((stage) => Object.keys(stage).some((k) => WRITING_STAGES.has(k)));
    if (writes) return execAggregate.call(this);
    const what = `aggregate ${this._model?.collection?.collectionName ?? '?'}`;
    return retryRead(what, () => execAggregate.call(this));
  };
}
