/**
 * The imported passwords: bcrypt(legacy hex), stored as `password` like signup's, so login
 * takes the ordinary path and the hex never reaches our database. bcrypt's async hash runs
 * on libuv's threadpool, so hashes run `concurrency` at a time (one per core by default;
 * the pool has 4 threads unless UV_THREADPOOL_SIZE says more).
 */
import os from 'node:os';
import bcrypt from 'bcrypt';
import type { MappedUser } from './users';

export const defaultHashConcurrency = (): number => os.availableParallelism();

/** Sets `doc.password` of every user that has a legacy hex; the hex is dropped. */
export async function hashPasswords(users: MappedUser[], cost: number, concurrency: number): Promise<void> {
  const todo = users.filter((u) => u.legacyHex !== undefined);
  let next = 0;
  const worker = async () => {
    while (next < todo.length) {
      const u = todo[next++]!;
      u.doc.password = await bcrypt.hash(u.legacyHex!, cost);
      delete u.legacyHex;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, todo.length)) }, worker));
}
