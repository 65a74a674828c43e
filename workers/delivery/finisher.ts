/**
 * Removes finished push jobs in batches: one deleteMany by _id for many jobs instead of
 * one delete each (on the embedded database a write costs milliseconds and writes are
 * serialised; a batch of 100 costs about what 8 single deletes do). Only message jobs go
 * through here: their outcome is already recorded on the message, so if the process dies
 * before a flush, the job is taken over when its lease ends and dropped as done.
 * Ids waiting for deletion are skipped by this worker's scans.
 *
 * The jobs' claims and receipts go in the same flush, after the jobs (removeFinished),
 * so push_claims holds live claims only and the claim look-ups stay cheap.
 */
import type { Types } from 'mongoose';
import type { Logger } from '../../src/logger';
import { removeFinished } from './claims';

export class JobFinisher {
  /** job id -> number of the claim that finished it */
  private readonly waiting = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly logger: Logger,
    private readonly delayMs = 100,
    private readonly maxBatch = 100,
  ) {}

  add(jobId: Types.ObjectId, claimNo: number): void {
    this.waiting.set(jobId.toString(), claimNo);
    if (this.waiting.size >= this.maxBatch) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.delayMs);
  }

  has(jobId: string): boolean {
    return this.waiting.has(jobId);
  }

  get size(): number {
    return this.waiting.size;
  }

  /** Deletes what is waiting; on a database error the ids wait for the next flush. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.running = this.running.then(async () => {
      const batch = [...this.waiting].slice(0, this.maxBatch);
      if (batch.length === 0) return;
      try {
        await removeFinished(batch);
        for (const [id] of batch) this.waiting.delete(id);
      } catch (err) {
        this.logger.warn({ err, jobs: batch.length }, 'removing finished push jobs failed; will retry');
      }
      if (this.waiting.size > 0) this.timer ??= setTimeout(() => void this.flush(), this.delayMs);
    });
    return this.running;
  }

  /** Stops the timer after a last flush (shutdown). */
  async close(): Promise<void> {
    await this.flush();
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
