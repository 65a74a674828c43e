/**
 * A read tried once more when the database's answer fails it, for the callers that name
 * it. Today one does: the session lookup that starts every request with a cookie
 * (src/http/session.ts), where one failed answer would otherwise log a phone out for a
 * request (a 503 both apps repeat, but a 401-free path is cheaper than a repeat).
 *
 * What it covers is `answered` faults (./faults.ts): an InternalError such as SQLite's
 * "database is locked", an interruption, a reply the driver cannot read. The driver's own
 * `retryReads` covers the rest of the transient faults of a read, an election or a dropped
 * connection ("not primary", "shutting down", a network error: isRetryableReadError in the
 * driver's error.ts); `unreachable` faults are not tried again here, since the driver has
 * already retried and server selection has already waited its 5 s.
 *
 * Only reads: a write that failed may have been applied, and running it again could apply
 * it twice. Every second try is counted (`pictever_db_read_retries_total{read}` on the
 * web's /metrics) and logged as a warning.
 */
import { Counter } from 'prom-client';
import type { Logger } from '../logger';
import { databaseFault } from './faults';

/** The pause before the second try, plus as much again at random so that failed reads spread out. */
const RETRY_PAUSE_MS = 50;

/**
 * Second tries by read, for this process. In no registry of its own: the web's metrics
 * register it (src/http/metrics.ts), so that it carries their labels.
 */
export const readRetries = new Counter({
  name: 'pictever_db_read_retries_total',
  help: 'Database reads tried a second time after a failed answer, by read',
  labelNames: ['read'] as const,
  registers: [],
});

const pause = () => new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS * (1 + Math.random())));

/**
 * Runs `read()`; when the database's answer fails it, counts, warns on `log` and runs it
 * once more after a pause. `what` names the read in the metric and the log (a fixed name,
 * never a value).
 */
export async function retryRead<T>(
  what: string,
  log: Pick<Logger, 'warn'>,
  read: () => Promise<T>,
): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (databaseFault(err) !== 'answered') throw err;
    readRetries.inc({ read: what });
    log.warn({ err, read: what }, 'database read failed, trying it once more');
    await pause();
    return read();
  }
}
