/**
 * Stages 5 and 6, record and finish, in batches: a final answer is inserted into
 * push_outcomes (one unordered insert for everything answered in the last few
 * milliseconds), then the jobs whose outcome has landed are removed from push_jobs (one
 * delete command for many jobs, a statement per `_id`: the embedded database serves a
 * filter of exactly one `_id` from its index but scans the queue for `_id: {$in}`).
 * Neither write decides a race: the claim did.
 *
 * Order is what keeps a push from going out twice: a job is removed only after its
 * outcome is in, and a worker taking an expired claim over looks for the outcome first.
 * A worker that dies between a provider's answer and the outcome insert (at most
 * `recordDelayMs` plus one insert) leaves that push to be sent again after the lease:
 * it was still in flight. Ids waiting here are skipped by this worker's scans.
 * Writes that fail are retried until they land, or until the process must exit.
 */
import { Types } from 'mongoose';
import { insertEachIfAbsent } from '../../src/db/writeErrors';
import type { Logger } from '../../src/logger';
import { PushJob } from '../../src/models/pushJob';
import { PushOutcome, type PushOutcomeFields } from '../../src/models/pushOutcome';
import { recordRetryMs } from '../../src/push/backoff';

export interface RecorderSettings {
  /** Longest wait before an answered push's outcome is inserted. */
  recordDelayMs: number;
  /** Shortest time between two deletes of finished jobs. */
  removeEveryMs: number;
  /**
   * The time between two deletes is also at least this many times the last delete's
   * duration, so deleting takes at most 1 / (1 + factor) of the database's time (a slow
   * database is not kept busy by removals; the embedded database writes one at a time).
   * A delete's duration grows with its statements: a large factor would leave finished
   * jobs queued for seconds on a busy machine, read again by every worker's scan.
   */
  removeGapFactor: number;
  /** Most outcomes in one insert. */
  maxBatch: number;
  /** Most jobs in one delete command. */
  maxRemoveBatch: number;
}

export const RECORDER_DEFAULTS: RecorderSettings = {
  recordDelayMs: 20,
  removeEveryMs: 100,
  removeGapFactor: 1,
  maxBatch: 500,
  maxRemoveBatch: 500,
};

type OutcomeDoc = PushOutcomeFields & { _id: string };

export class OutcomeRecorder {
  /** job id -> outcome to insert */
  private readonly toRecord = new Map<string, OutcomeDoc>();
  /** job ids whose outcome is in (or that need none), to remove from the queue */
  private readonly toRemove = new Set<string>();
  private recordTimer?: NodeJS.Timeout;
  private removeTimer?: NodeJS.Timeout;
  private recording: Promise<void> = Promise.resolve();
  private removing: Promise<void> = Promise.resolve();
  private removeRunning = false;
  /** When the last delete ended, and how long it took (ms). */
  private lastRemove = { endedAt: 0, tookMs: 0 };
  private closing = false;

  constructor(
    private readonly logger: Logger,
    private readonly random: () => number,
    private readonly settings: RecorderSettings = RECORDER_DEFAULTS,
  ) {}

  /** Records `doc` as the outcome of job `jobId`, then removes the job. */
  record(jobId: Types.ObjectId, doc: OutcomeDoc): void {
    this.toRecord.set(jobId.toHexString(), doc);
    if (this.toRecord.size >= this.settings.maxBatch) this.inBackground(this.flushRecords());
    else
      this.recordTimer ??= setTimeout(
        () => this.inBackground(this.flushRecords()),
        this.settings.recordDelayMs,
      );
  }

  /** Removes a job whose outcome is already recorded (a takeover found it). */
  remove(jobId: Types.ObjectId): void {
    this.toRemove.add(jobId.toHexString());
    this.scheduleRemove();
  }

  has(jobId: string): boolean {
    return this.toRecord.has(jobId) || this.toRemove.has(jobId);
  }

  get size(): number {
    return this.toRecord.size + this.toRemove.size;
  }

  private flushRecords(): Promise<void> {
    clearTimeout(this.recordTimer);
    this.recordTimer = undefined;
    // After a failed close() the chain is rejected: later flushes still run.
    this.recording = this.recording
      .catch(() => undefined)
      .then(async () => {
        const batch = [...this.toRecord.values()].slice(0, this.settings.maxBatch);
        if (batch.length === 0) return;
        try {
          // A duplicate is an outcome that landed already (a retried insert, a raced takeover).
          await insertEachIfAbsent(PushOutcome.collection, batch as never[]);
        } catch (err) {
          this.retryLater('recording push outcomes failed; will retry', err, batch.length, () =>
            this.flushRecords(),
          );
          return;
        }
        for (const doc of batch) {
          this.toRecord.delete(doc._id);
          this.toRemove.add(doc._id);
        }
        this.scheduleRemove();
        if (this.toRecord.size > 0)
          this.recordTimer ??= setTimeout(() => this.inBackground(this.flushRecords()), 0);
      });
    return this.recording;
  }

  private scheduleRemove(): void {
    if (this.removeRunning || this.removeTimer) return; // the running delete schedules the next
    const { removeEveryMs, removeGapFactor } = this.settings;
    const gapMs = Math.max(removeEveryMs, removeGapFactor * this.lastRemove.tookMs);
    const waitMs = Math.max(0, this.lastRemove.endedAt + gapMs - Date.now());
    this.removeTimer = setTimeout(() => this.inBackground(this.flushRemovals()), waitMs);
  }

  private flushRemovals(): Promise<void> {
    clearTimeout(this.removeTimer);
    this.removeTimer = undefined;
    this.removing = this.removing
      .catch(() => undefined)
      .then(async () => {
        const ids = [...this.toRemove].slice(0, this.settings.maxRemoveBatch);
        if (ids.length === 0) return;
        const startedAt = Date.now();
        this.removeRunning = true;
        try {
          await PushJob.collection.bulkWrite(
            ids.map((id) => ({ deleteOne: { filter: { _id: new Types.ObjectId(id) } } })),
            { ordered: false },
          );
        } catch (err) {
          this.retryLater('removing finished push jobs failed; will retry', err, ids.length, () =>
            this.flushRemovals(),
          );
          return;
        } finally {
          this.removeRunning = false;
          this.lastRemove = { endedAt: Date.now(), tookMs: Date.now() - startedAt };
        }
        for (const id of ids) this.toRemove.delete(id);
        if (this.toRemove.size > 0) this.scheduleRemove();
      });
    return this.removing;
  }

  /**
   * A write started by a timer: a failure was logged by retryLater, or is close()'s to
   * report once closing; it must not surface as an unhandled rejection (which, in
   * production, ends the process, and after a close may fire on a closed connection).
   */
  private inBackground(write: Promise<void>): void {
    write.catch(() => undefined);
  }

  private retryLater(what: string, err: unknown, count: number, again: () => Promise<void>): void {
    if (this.closing) throw err; // close() reports it
    const waitMs = recordRetryMs(2, this.random);
    this.logger.warn({ err, count, waitMs }, what);
    setTimeout(() => this.inBackground(again()), waitMs).unref();
  }

  /** Writes everything waiting, retrying failed writes (tests, and close below). */
  async flush(): Promise<void> {
    while (this.toRecord.size > 0) await this.flushRecords();
    while (this.toRemove.size > 0) await this.flushRemovals();
  }

  /**
   * Writes everything waiting (shutdown). Gives up on the first database error: jobs not
   * removed are taken over after their lease and settled from their outcome; outcomes not
   * inserted are pushes still in flight, sent again after the lease.
   */
  async close(): Promise<void> {
    this.closing = true;
    try {
      await this.flush();
    } catch (err) {
      this.logger.warn({ err, left: this.size }, 'could not record every push before stopping');
    } finally {
      clearTimeout(this.recordTimer);
      clearTimeout(this.removeTimer);
    }
  }
}
