/**
 * Passwords as the apps send them: the hex SHA-256 of what the user typed (../shared/CONTRACT.md §2).
 * The server treats that text as the password and stores only a bcrypt hash of it.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** Longer than any SHA-256 hex, short enough that bcrypt (72 bytes) is not fed a novel. */
export const MAX_PASSWORD_LENGTH = 200;

/**
 * Compares two secrets in time independent of where they differ. Both sides are hashed
 * first so that different lengths do not leak either.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb);
}
