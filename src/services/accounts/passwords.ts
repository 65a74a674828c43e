/**
 * Every bcrypt operation of the web process goes through one queue (services/accounts/
 * passwordQueue): at most one operation per core runs at once (bcrypt runs on libuv's
 * thread pool, which file and DNS work share), callers take turns by key (the account's
 * email), and a task is refused with 503 and `Retry-After` only when its expected wait is
 * over PASSWORD_MAX_WAIT_MS.
 *
 * A login for an unknown or legacy account compares against a bcrypt hash too, so that
 * every password check costs one bcrypt comparison at the configured cost.
 */
import { availableParallelism } from 'node:os';
import bcrypt from 'bcrypt';
import type { Config } from '../../config';
import { constantTimeEqual } from '../../domain/password';
import { PasswordQueue } from './passwordQueue';

const cores = Math.max(1, availableParallelism());

/** One operation at cost 10 on a current core, until the first ones are measured. */
const FIRST_ESTIMATE_MS = 60;

/** The process's one queue for bcrypt work. */
export const passwordWork = new PasswordQueue(cores, FIRST_ESTIMATE_MS);

type HashConfig = Pick<Config, 'BCRYPT_COST' | 'PASSWORD_MAX_WAIT_MS'>;

/** Runs `task` (bcrypt work) in `key`'s turn of the queue. */
export function passwordTask<T>(config: HashConfig, key: string, task: () => Promise<T>): Promise<T> {
  return passwordWork.run(key, config.PASSWORD_MAX_WAIT_MS, task);
}

export function hashPassword(config: HashConfig, key: string, password: string): Promise<string> {
  return passwordTask(config, key, () => bcrypt.hash(password, config.BCRYPT_COST));
}

/**
 * Times one bcrypt hash at the configured cost, the dummy hash that unknown accounts are
 * compared with (made now rather than at the first such login), so that the queue's
 * expected waits and the login capacity a web process publishes hold from its first login.
 */
export async function calibratePasswordWork(config: Pick<Config, 'BCRYPT_COST'>): Promise<number> {
  const began = performance.now();
  await dummyHash(config.BCRYPT_COST);
  const ms = performance.now() - began;
  passwordWork.calibrate(ms);
  return ms;
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

/** What a login reads of an account's password: a bcrypt hash, or the legacy raw hex. */
export interface StoredPassword {
  password?: string;
  legacy_password?: string;
}

/**
 * One bcrypt comparison whatever the account (run it inside a queue task): against the
 * stored hash, else against a dummy one, which is what an unknown, a legacy (its raw hex
 * then compared in constant time) or a password-less account costs instead.
 */
export async function storedPasswordMatches(
  cost: number,
  password: string,
  stored: StoredPassword | null,
): Promise<boolean> {
  if (stored?.password) return bcrypt.compare(password, stored.password);
  await bcrypt.compare(password, await dummyHash(cost));
  return !!stored?.legacy_password && constantTimeEqual(password, stored.legacy_password);
}
