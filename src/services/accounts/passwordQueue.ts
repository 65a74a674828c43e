/**
 * The web process's queue for bcrypt work (README "The wake-up wave"). bcrypt runs on
 * libuv's thread pool, one operation per core at most. A task is admitted while its
 * expected wait stays under a bound: the work ahead of it (running and waiting) times the
 * measured time of one operation, divided by the cores; and, since one caller's tasks run
 * one at a time, its own tasks ahead of it times that time. Beyond the bound it is refused
 * at once with 503 and a Retry-After of that wait. A count bound refused Android phones
 * woken by a burst of pushes, which never repeat a refused login (../shared/CONTRACT.md §2).
 *
 * Callers are served in turn (each key, an account's email, gets one operation per round),
 * so that one account logging in 400 times from 32 connections delays its own logins, not
 * everyone's; and a key's tasks never overlap, which lets the login read its failure count
 * just before its check without racing its own other attempts in this process.
 */
import { AppError } from '../../errors';

interface Waiter {
  start: () => void;
}

/** How fast the measured time follows new measurements (an exponential moving average). */
const SMOOTHING = 0.2;

export class PasswordQueue {
  private running = 0;
  private waitingCount = 0;
  private readonly waiting = new Map<string, Waiter[]>();
  /** Keys with a task running. */
  private readonly busy = new Set<string>();
  /** Keys with a waiting task and none running, in the order they get their turn. */
  private readonly turns: string[] = [];
  /** Tasks finished since start (tests count bcrypt operations with it). */
  completed = 0;

  /** `estimateMs`: the time of one operation until the first ones are measured. */
  constructor(
    readonly concurrency: number,
    private hashMs: number,
  ) {}

  /** The measured time of one operation, ms. */
  get operationMs(): number {
    return this.hashMs;
  }

  /** Sets the time of one operation (a web process measures one at start). */
  calibrate(ms: number): void {
    this.hashMs = ms;
  }

  /** Running and waiting tasks. */
  get admitted(): number {
    return this.running + this.waitingCount;
  }

  /** What a new task of `key` would wait, ms. */
  expectedWaitMs(key: string): number {
    const ahead = Math.max(0, this.admitted - this.concurrency + 1);
    const own = (this.waiting.get(key)?.length ?? 0) + (this.busy.has(key) ? 1 : 0);
    return Math.max((ahead * this.hashMs) / this.concurrency, own * this.hashMs);
  }

  /** Runs `task` in `key`'s turn; 503 when its expected wait is over `maxWaitMs`. */
  async run<T>(key: string, maxWaitMs: number, task: () => Promise<T>): Promise<T> {
    const wait = this.expectedWaitMs(key);
    if (wait > maxWaitMs) {
      throw AppError.unavailable('server busy, retry in a moment', Math.max(1, Math.ceil(wait / 1000)));
    }
    await new Promise<void>((start) => this.enqueue(key, { start }));
    const began = performance.now();
    try {
      return await task();
    } finally {
      this.hashMs += SMOOTHING * (performance.now() - began - this.hashMs);
      this.completed++;
      this.running--;
      this.busy.delete(key);
      if (this.waiting.has(key)) this.turns.push(key);
      this.dispatch();
    }
  }

  private enqueue(key: string, waiter: Waiter): void {
    const list = this.waiting.get(key);
    if (list) list.push(waiter);
    else {
      this.waiting.set(key, [waiter]);
      if (!this.busy.has(key)) this.turns.push(key);
    }
    this.waitingCount++;
    this.dispatch();
  }

  private dispatch(): void {
    while (this.running < this.concurrency && this.turns.length > 0) {
      const key = this.turns.shift()!;
      const list = this.waiting.get(key)!;
      const waiter = list.shift()!;
      if (list.length === 0) this.waiting.delete(key);
      this.waitingCount--;
      this.running++;
      this.busy.add(key);
      waiter.start();
    }
  }
}
