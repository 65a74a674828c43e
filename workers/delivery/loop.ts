/**
 * The notification loop: look at the push queue, claim what is due (at most as many jobs
 * as free send slots, picked at random among the oldest so that workers do not all fight
 * over the same ones), deliver them concurrently, and sleep until the next due time, half
 * the send slots freed, or the poll interval, whichever comes first. Errors are caught per
 * iteration and answered with a growing pause, so it never spins and outlives a database
 * restart.
 *
 * States: idle -> running -> stopping -> stopped. stop() is safe to call twice: it stops
 * claiming, lets deliveries in flight finish (unsent claims are released) within the
 * drain timeout, and resolves when the loop is done.
 */
import type { Logger } from '../../src/logger';
import { loopBackoffMs } from '../../src/push/backoff';
import type { PushSender } from '../../src/push';
import { deliver, type DeliverySettings } from './deliver';
import {
  claimJob,
  findCandidates,
  finishJob,
  readyAt,
  releaseClaim,
  type Claim,
  type JobRecord,
} from './claims';
import { JobFinisher } from './finisher';
import type { DeliveryMetrics } from './metrics';

export type LoopState = 'idle' | 'running' | 'stopping' | 'stopped';

export interface LoopDeps {
  sender: PushSender;
  logger: Logger;
  metrics: DeliveryMetrics;
  workerId: string;
  settings: DeliverySettings & { concurrency: number; pollMs: number; leaseMs: number };
  now: () => number;
  random: () => number;
}

export class NotifierLoop {
  private state: LoopState = 'idle';
  private readonly inFlight = new Map<string, Promise<void>>();
  /** Jobs whose claim another worker holds: not tried again before the given time. */
  private readonly skipUntil = new Map<string, number>();
  private readonly hardStop = new AbortController();
  private readonly finisher: JobFinisher;
  /** Due jobs read by the last scan and not launched yet (see scan). */
  private readAhead: JobRecord[] = [];
  private readAheadAt = 0;
  private nextDueAt = 0;
  private wakeUp?: () => void;
  private loopDone?: Promise<void>;
  private stopped?: Promise<void>;

  constructor(private readonly deps: LoopDeps) {
    this.finisher = new JobFinisher(deps.logger);
  }

  start(): void {
    if (this.state !== 'idle') return;
    this.state = 'running';
    this.loopDone = this.run();
  }

  stop(drainMs: number): Promise<void> {
    this.stopped ??= this.shutdown(drainMs);
    return this.stopped;
  }

  private async shutdown(drainMs: number): Promise<void> {
    if (this.state === 'idle') {
      this.state = 'stopped';
      return;
    }
    this.state = 'stopping';
    this.wake();
    // The loop ends at its next step; deliveries in flight get until the drain timeout.
    let timer: NodeJS.Timeout | undefined;
    const drained = await Promise.race([
      (async () => {
        await this.loopDone; // it launches nothing once stopping
        await Promise.allSettled([...this.inFlight.values()]);
        return true;
      })(),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), drainMs))),
    ]);
    clearTimeout(timer);
    if (!drained) {
      // Sends still running may have reached the provider: their leases expire instead.
      this.deps.logger.warn({ left: this.inFlight.size }, 'drain timeout: leaving deliveries to expire');
      this.hardStop.abort();
    }
    await this.finisher.close();
    this.state = 'stopped';
  }

  private async run(): Promise<void> {
    let errors = 0;
    while (this.state === 'running') {
      let sleepMs: number;
      try {
        sleepMs = await this.tick();
        errors = 0;
      } catch (err) {
        errors += 1;
        this.deps.metrics.loopErrors += 1;
        sleepMs = loopBackoffMs(errors, this.deps.random);
        this.deps.logger.warn({ err, errors, sleepMs }, 'push queue scan failed; backing off');
      }
      if (this.state === 'running') await this.sleep(sleepMs);
    }
  }

  /** One step: launch what is due into free slots; returns how long to sleep unless woken. */
  private async tick(): Promise<number> {
    const { concurrency, pollMs } = this.deps.settings;
    const free = concurrency - this.inFlight.size;
    if (free <= 0) return pollMs; // a finishing delivery wakes us
    const now = this.deps.now();
    if (this.readAhead.length === 0 || now - this.readAheadAt >= pollMs) {
      await this.scan(now);
      if (this.state !== 'running') return 0;
    }
    let launched = 0;
    while (launched < free && this.readAhead.length > 0) {
      const job = this.readAhead.pop()!;
      if (this.isOpen(job._id.toString())) {
        this.launch(job);
        launched += 1;
      }
    }
    if (this.readAhead.length > 0) return pollMs; // more is due: wait for free slots
    return Math.max(0, this.nextDueAt - now);
  }

  /**
   * Reads the oldest due jobs. Those not launched at once are kept (shuffled) for the
   * next free slots during one poll interval, so that a backlog is not re-read for every
   * few slots (each read scans the queue on the embedded database). Nothing is claimed
   * ahead: a kept job another worker took meanwhile is refused by its claim.
   */
  private async scan(now: number): Promise<void> {
    const { concurrency, pollMs } = this.deps.settings;
    for (const [id, until] of this.skipUntil) if (until <= now) this.skipUntil.delete(id);
    // Our own jobs (in flight, awaiting removal) head the list: read past them.
    const limit = concurrency * 4 + this.inFlight.size + this.finisher.size;
    const open = (await findCandidates(now, pollMs, limit)).filter((j) => this.isOpen(j._id.toString()));
    this.readAhead = shuffle(
      open.filter((j) => readyAt(j) <= now),
      this.deps.random,
    );
    this.readAheadAt = now;
    this.nextDueAt = Math.min(
      ...open.map(readyAt).filter((t) => t > now),
      ...this.skipUntil.values(),
      now + pollMs,
    );
  }

  private isOpen(id: string): boolean {
    return !this.inFlight.has(id) && !this.skipUntil.has(id) && !this.finisher.has(id);
  }

  private launch(job: JobRecord): void {
    const id = job._id.toString();
    const { deps } = this;
    const task = (async () => {
      deps.metrics.inFlight += 1;
      let claim: Claim | undefined;
      try {
        claim = await claimJob(job, {
          workerId: deps.workerId,
          leaseMs: deps.settings.leaseMs,
          now: deps.now,
        });
        if (!claim) {
          deps.metrics.claimConflicts += 1;
          this.skipUntil.set(id, deps.now() + deps.settings.pollMs);
          return;
        }
        if (claim.takeover) {
          deps.metrics.takeovers += 1;
          deps.logger.info(
            { job_id: id, worker: deps.workerId, claim_no: claim.claimNo },
            'lease taken over',
          );
        }
        await deliver(claim, {
          ...deps,
          stopping: () => this.state !== 'running',
          hardStop: this.hardStop.signal,
          finish: (c) => this.finish(c),
        });
      } catch (err) {
        await this.abandon(id, claim, err);
      } finally {
        this.inFlight.delete(id);
        deps.metrics.inFlight -= 1;
        // Wake for a batch of free slots, not for each one: every look scans the queue.
        const free = deps.settings.concurrency - this.inFlight.size;
        if (free >= Math.max(1, Math.floor(deps.settings.concurrency / 2))) this.wake();
      }
    })();
    this.inFlight.set(id, task);
  }

  /**
   * After a database error: a claim not yet sent is given back so the job is tried again
   * at once (a busy database); if that fails too, or the push may have gone out, the
   * lease expires and another claim takes it over.
   */
  private async abandon(id: string, claim: Claim | undefined, err: unknown): Promise<void> {
    this.deps.metrics.count('abandoned');
    let released = false;
    if (claim && !claim.sending)
      released = await releaseClaim(claim).then(
        () => true,
        () => false,
      );
    this.deps.logger.warn(
      { err, job_id: id, worker: this.deps.workerId, released },
      'push job abandoned after a database error',
    );
  }

  /** Message jobs are removed in batches; text pushes at once (nothing else records them). */
  private finish(claim: Claim): Promise<void> {
    if (claim.job.kind !== 'message') return finishJob(claim);
    this.finisher.add(claim.job._id, claim.claimNo);
    return Promise.resolve();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.wakeUp = done;
    });
  }

  private wake(): void {
    this.wakeUp?.();
  }
}

/** Fisher-Yates, in place. */
function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
