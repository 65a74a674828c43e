/**
 * Every bcrypt operation of the web process goes through one gate, so that a burst of
 * logins cannot queue unbounded CPU work: at most one operation per core runs at once
 * (bcrypt runs on libuv's thread pool, which file and DNS work share), and at most
 * BCRYPT_QUEUE_PER_CORE per core are admitted, running or waiting. Beyond that the
 * request is refused at once with 503 and `Retry-After` (Android repeats a POST after a
 * 503), instead of answering everyone late.
 *
 * A login for an unknown or legacy account compares against a bcrypt hash too, so that
 * every password check costs one bcrypt comparison at the configured cost.
 */
import { availableParallelism } from 'node:os';
import bcrypt from 'bcrypt';
import type { Config } from '../../config';
import { AppError } from '../../errors';

/** Runs at most `concurrency` tasks at once; refuses when `capacity` are already admitted. */
export class WorkGate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  /** Tasks finished since start (tests count bcrypt operations with it). */
  completed = 0;

  constructor(readonly concurrency: number) {}

  get admitted(): number {
    return this.running + this.waiting.length;
  }

  async run<T>(capacity: number, task: () => Promise<T>): Promise<T> {
    if (this.admitted >= capacity) throw AppError.unavailable('server busy, retry in a moment', 1);
    if (this.running < this.concurrency) this.running++;
    // A finishing task hands its slot over directly, so `running` never exceeds the bound.
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      this.completed++;
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}

const cores = Math.max(1, availableParallelism());

/** The process's one gate for bcrypt work. */
export const passwordWork = new WorkGate(cores);

export function passwordQueueCapacity(config: Pick<Config, 'BCRYPT_QUEUE_PER_CORE'>): number {
  return Math.max(cores, config.BCRYPT_QUEUE_PER_CORE * cores);
}

type HashConfig = Pick<Config, 'BCRYPT_COST' | 'BCRYPT_QUEUE_PER_CORE'>;

export function hashPassword(config: HashConfig, password: string): Promise<string> {
  return passwordWork.run(passwordQueueCapacity(config), () => bcrypt.hash(password, config.BCRYPT_COST));
}

export function passwordMatches(config: HashConfig, password: string, hash: string): Promise<boolean> {
  return passwordWork.run(passwordQueueCapacity(config), () => bcrypt.compare(password, hash));
}

// Made once per cost (its first use pays one more bcrypt); it matches no password sent.
const dummyHashes = new Map<number, Promise<string>>();
function dummyHash(cost: number): Promise<string> {
  let h = dummyHashes.get(cost);
  if (!h) {
    h = bcrypt.hash(`no such account ${Math.random()}`, cost);
    dummyHashes.set(cost, h);
  }
  return h;
}

/**
 * One bcrypt comparison that always fails: what a login for an unknown account, or a
 * legacy one (whose raw hex is compared in constant time), costs instead of the real one.
 */
export async function comparedWithNothing(config: HashConfig, password: string): Promise<false> {
  await passwordWork.run(passwordQueueCapacity(config), async () =>
    bcrypt.compare(password, await dummyHash(config.BCRYPT_COST)),
  );
  return false;
}
