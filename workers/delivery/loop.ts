/**
 * The notification loop only schedules; each push passes through the stages in order:
 * find due (find.ts), claim (claims.ts, one insert per batch), load (load.ts, the
 * receivers' devices), send (deliver.ts), record and finish (recorder.ts, in batches).
 *
 * One step: read the oldest jobs due now or within a poll interval (kept for that
 * interval, so neither a backlog nor a steady stream is re-read for every batch), claim as
 * many due ones as there are free send slots, picked at random so that workers do not all
 * fight over the same ones, launch them, and sleep until the next due time (at least
 * BATCH_GAP_MS after the last claim, so that a steady stream is claimed a few at a time),
 * half the slots freed, or the poll interval. Send slots follow the
 * providers' latency (Little's law: WORKER_TARGET_RATE pushes/s times the mean send
 * time), between 16 and WORKER_CONCURRENCY. Errors are answered with a growing pause, so
 * it never spins and outlives a database restart.
 *
 * A job found claimed by another worker is skipped for a poll interval; found claimed
 * again, its claim is read, and taken over once its lease has ended (a dead owner).
 *
 * Before claiming it reads the operators' pause switch (pause.ts): while delivery is
 * paused it claims nothing and looks again every poll interval.
 *
 * States: idle -> running -> stopping -> stopped. stop() is safe to call twice: it stops
 * claiming, lets deliveries in flight finish (unsent claims are released) within the
 * drain timeout, writes the outcomes waiting, and resolves when the loop is done.
 */
import type { Logger } from '../../src/logger';
import { loopBackoffMs } from '../../src/push/backoff';
import type { PushSender } from '../../src/push';
import { claimBatch, releaseClaims, takeOver, type ClaimSettings } from './claims';
import { deliver, type DeliverySettings } from './deliver';
import { findDue, readyAt } from './find';
import { loadDevices, type Devices } from './load';
import type { DeliveryMetrics } from './metrics';
import type { AndroidPacer } from './pacing';
import { PauseSwitch } from './pause';
import { OutcomeRecorder, type RecorderSettings } from './recorder';
import type { Claim, JobRecord } from './types';

export type LoopState = 'idle' | 'running' | 'stopping' | 'stopped';

export interface LoopSettings extends DeliverySettings {
  /** Ceiling of send slots (WORKER_CONCURRENCY). */
  concurrency: number;
  /** Pushes per second the slots are sized for (WORKER_TARGET_RATE). */
  targetRate: number;
  pollMs: number;
  leaseMs: number;
  recorder?: RecorderSettings;
}

export interface LoopDeps {
  sender: PushSender;
  logger: Logger;
  metrics: DeliveryMetrics;
  workerId: string;
  settings: LoopSettings;
  now: () => number;
  random: () => number;
  /** Paces Android pushes (pacing.ts); none: no pacing. */
  pacer?: AndroidPacer;
}

/** Fewest send slots, whatever the latency: a fast provider still gets batches. */
const MIN_SLOTS = 16;
/** Send time assumed before the first answer. */
const INITIAL_SEND_MS = 100;
/**
 * How many batches of send slots one read of the queue takes in: two workers each picking
 * a batch at random among 8 collide on about one job in 8 (among 4: one in 4). A read of
 * 8 batches of 40 jobs costs the embedded database about 12 ms.
 */
const READ_AHEAD_SLOTS = 8;
/**
 * Shortest time between two claim batches when jobs fall due one after another: at 100
 * due a second, a batch of about 3 costs one claim insert instead of 3, for at most this
 * much more lag.
 */
const BATCH_GAP_MS = 25;

export class NotifierLoop {
  private state: LoopState = 'idle';
  private readonly inFlight = new Map<string, Promise<void>>();
  /** Jobs another worker holds -> when to look at its claim again (takeOver). */
  private readonly held = new Map<string, number>();
  private readonly recorder: OutcomeRecorder;
  /** The operators' pause switch, read before claiming (at most once a poll interval). */
  readonly pause: PauseSwitch;
  /** Due jobs read by the last scan and not launched yet. */
  private readAhead: JobRecord[] = [];
  /** Jobs the last scan found due within the poll interval, soonest last. */
  private upcoming: JobRecord[] = [];
  private readAheadAt = 0;
  private lastBatchAt = 0;
  private nextDueAt = 0;
  /** Moving mean of the provider calls' duration, in ms. */
  private sendMs = INITIAL_SEND_MS;
  /** Unsent claims to give back in one delete, and its pending run. */
  private toRelease: Claim[] = [];
  private releasing?: Promise<void>;
  private wakeUp?: () => void;
  private loopDone?: Promise<void>;
  private stopped?: Promise<void>;

  constructor(private readonly deps: LoopDeps) {
    this.recorder = new OutcomeRecorder(deps.logger, deps.random, deps.settings.recorder);
    this.pause = new PauseSwitch(deps.settings.pollMs, deps.now);
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

  /** Send slots now: enough for the target rate at the providers' current latency. */
  slots(): number {
    const { concurrency, targetRate } = this.deps.settings;
    const wanted = Math.ceil((targetRate * this.sendMs) / 1000);
    return Math.min(concurrency, Math.max(MIN_SLOTS, wanted));
  }

  private async shutdown(drainMs: number): Promise<void> {
    if (this.state === 'idle') {
      this.state = 'stopped';
      return;
    }
    this.state = 'stopping';
    this.wake();
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
    }
    await this.recorder.close();
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

  /** One step: claim what is due into free slots; returns how long to sleep unless woken. */
  private async tick(): Promise<number> {
    const { pollMs } = this.deps.settings;
    // Paused by an operator: nothing is claimed; what was read is read again on resuming.
    if (await this.pause.check()) {
      this.readAheadAt = 0;
      return pollMs;
    }
    const free = this.slots() - this.inFlight.size;
    if (free <= 0) return pollMs; // a finishing delivery wakes us
    const now = this.deps.now();
    // Read again after the poll interval, or sooner once everything read was launched.
    const fresh = now - this.readAheadAt < pollMs;
    if (fresh) this.takeDue(now);
    if (!fresh || (this.readAhead.length === 0 && this.upcoming.length === 0)) {
      await this.scan(now);
      if (this.state !== 'running') return 0;
    }
    const picked: JobRecord[] = [];
    while (picked.length < free && this.readAhead.length > 0) {
      const job = this.readAhead.pop()!;
      const id = job._id.toHexString();
      const lookAt = this.held.get(id);
      if (lookAt !== undefined) {
        if (lookAt <= now && !this.inFlight.has(id)) this.launchTakeover(job);
      } else if (this.isOpen(id)) picked.push(job);
    }
    if (picked.length > 0) {
      this.lastBatchAt = now;
      await this.claimAndLaunch(picked, now);
    }
    if (this.readAhead.length > 0) return pollMs; // more is due: wait for free slots
    const nextDue = this.upcoming.at(-1);
    const wakeAt = nextDue ? Math.min(readyAt(nextDue), this.nextDueAt) : this.nextDueAt;
    return Math.max(0, wakeAt - now, this.lastBatchAt + BATCH_GAP_MS - now);
  }

  /** Moves the upcoming jobs due by `now` to the read-ahead. */
  private takeDue(now: number): void {
    const due: JobRecord[] = [];
    while (this.upcoming.length > 0 && readyAt(this.upcoming.at(-1)!) <= now) due.push(this.upcoming.pop()!);
    if (due.length > 0) this.readAhead = shuffle([...this.readAhead, ...due], this.deps.random);
  }

  /**
   * Reads the oldest due jobs and keeps them, shuffled, for the next free slots during
   * one poll interval. Nothing is claimed ahead: a kept job another worker took
   * meanwhile is refused by its claim.
   */
  private async scan(now: number): Promise<void> {
    const { pollMs } = this.deps.settings;
    // Our own jobs (in flight, waiting to be recorded) head the list: read past them. The
    // rest is READ_AHEAD_SLOTS batches: workers picking at random from the same head of
    // the queue collide less the wider it is (each collision costs a look at a claim).
    const limit = this.slots() * READ_AHEAD_SLOTS + this.inFlight.size + this.recorder.size + this.held.size;
    const found = await findDue(now, pollMs, limit);
    const foundIds = new Set(found.map((j) => j._id.toHexString()));
    // A held job no longer queued was finished by its owner.
    for (const [id, lookAt] of this.held) if (lookAt <= now && !foundIds.has(id)) this.held.delete(id);
    const open = found.filter((j) => {
      const id = j._id.toHexString();
      return this.isOpen(id) || ((this.held.get(id) ?? Infinity) <= now && !this.inFlight.has(id));
    });
    this.readAhead = shuffle(
      open.filter((j) => readyAt(j) <= now),
      this.deps.random,
    );
    this.upcoming = open.filter((j) => readyAt(j) > now).sort((a, b) => readyAt(b) - readyAt(a));
    this.readAheadAt = now;
    // The poll interval bounds the wait: jobs queued after this read are found by the next.
    this.nextDueAt = Math.min(...this.held.values(), now + pollMs);
  }

  private isOpen(id: string): boolean {
    return !this.inFlight.has(id) && !this.held.has(id) && !this.recorder.has(id);
  }

  private claimSettings(): ClaimSettings {
    return { workerId: this.deps.workerId, leaseMs: this.deps.settings.leaseMs, now: this.deps.now };
  }

  /** One insert claims the batch; the devices of what was won are loaded while it launches. */
  private async claimAndLaunch(jobs: JobRecord[], now: number): Promise<void> {
    const { claims, lost } = await claimBatch(jobs, this.claimSettings());
    for (const job of lost) {
      // Usually a worker that is sending it now, or that sent it and has not removed it
      // yet: look at its claim only if the job is still queued after two reads.
      this.deps.metrics.claimConflicts += 1;
      this.held.set(job._id.toHexString(), now + 2 * this.deps.settings.pollMs);
    }
    if (claims.length === 0) return;
    const devices = loadDevices(claims.map((c) => c.job));
    for (const claim of claims) this.launch(claim, devices);
  }

  /** Reads the claim another worker held; takes the job over if its lease has ended. */
  private launchTakeover(job: JobRecord): void {
    const id = job._id.toHexString();
    this.track(id, async () => {
      const result = await takeOver(job, this.claimSettings());
      if (result.kind === 'held') {
        this.held.set(id, Math.max(result.until, this.deps.now() + this.deps.settings.pollMs));
        return;
      }
      this.held.delete(id);
      const { claim } = result;
      if (claim.takeover) {
        this.deps.metrics.takeovers += 1;
        this.deps.logger.info(
          { job_id: id, worker: this.deps.workerId, claim_no: claim.claimNo },
          'lease taken over',
        );
      }
      await this.deliverClaim(
        claim,
        claim.settled ? Promise.resolve<Devices>(new Map()) : loadDevices([claim.job]),
      );
    });
  }

  private launch(claim: Claim, devices: Promise<Devices>): void {
    this.track(claim.job._id.toHexString(), () => this.deliverClaim(claim, devices));
  }

  private async deliverClaim(claim: Claim, devices: Promise<Devices>): Promise<void> {
    const { deps } = this;
    try {
      const device = (await devices).get(claim.job.user_id.toHexString());
      await deliver(claim, device, {
        ...deps,
        recorder: this.recorder,
        stopping: () => this.state !== 'running',
        observeSend: (ms) => (this.sendMs = 0.9 * this.sendMs + 0.1 * ms),
        release: (c) => this.release(c),
        pacer: deps.pacer,
      });
    } catch (err) {
      await this.abandon(claim, err);
    }
  }

  /** Runs `task` as one of the slots; wakes the loop once half the slots are free. */
  private track(id: string, task: () => Promise<void>): void {
    const { deps } = this;
    const run = (async () => {
      deps.metrics.inFlight += 1;
      try {
        await task();
      } catch (err) {
        deps.logger.warn({ err, job_id: id, worker: deps.workerId }, 'push job look-up failed');
      } finally {
        this.inFlight.delete(id);
        deps.metrics.inFlight -= 1;
        // Wake for a batch of free slots, not for each one: every batch is a claim insert.
        const slots = this.slots();
        if (slots - this.inFlight.size >= Math.max(1, Math.floor(slots / 2))) this.wake();
      }
    })();
    this.inFlight.set(id, run);
  }

  /** Queues `claim` to be given back with the others released within a few ms. */
  private release(claim: Claim): Promise<void> {
    this.toRelease.push(claim);
    this.releasing ??= new Promise<void>((resolve) => setTimeout(resolve, 20)).then(async () => {
      const batch = this.toRelease;
      this.toRelease = [];
      this.releasing = undefined;
      await releaseClaims(batch);
    });
    return this.releasing;
  }

  /**
   * After a database error: a claim not yet sent is given back so the job is tried again
   * at once (a busy database); if that fails too, or the push may have gone out, the
   * lease expires and another claim takes it over.
   */
  private async abandon(claim: Claim, err: unknown): Promise<void> {
    this.deps.metrics.count('abandoned');
    let released = false;
    if (!claim.sending)
      released = await this.release(claim).then(
        () => true,
        () => false,
      );
    this.deps.logger.warn(
      { err, job_id: claim.job._id.toString(), worker: this.deps.workerId, released },
      'push job abandoned after a database error',
    );
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
