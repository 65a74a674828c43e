/**
 * Credentials this process verified recently (README "The wake-up wave"): an Android phone
 * keeps its cookie in memory only, so every push that wakes it costs a login, and a bcrypt
 * check at cost 10 is 54 ms of a core. A login whose password matched here within
 * LOGIN_MEMORY_MINUTES is let in without bcrypt.
 *
 * Held in this process's memory only, never stored: each entry is an HMAC-SHA256, under a
 * key drawn at start, of the account id, its stored bcrypt hash, the time its sessions were
 * last revoked and the password. A reset changes the hash and a revoke the time, so every
 * process's entries for the old state stop matching; a deletion is seen by the user read
 * that comes first; this process also forgets an account at once (`forget`). Bounded: the
 * oldest entries go first beyond LOGIN_MEMORY_ENTRIES.
 */
import { createHmac, randomBytes } from 'node:crypto';

export interface VerifiedState {
  userId: string;
  /** The stored bcrypt hash, or the legacy SHA-256 hex. */
  storedHash: string;
  revokedAt?: Date;
}

export class VerifiedLogins {
  private readonly key = randomBytes(32);
  /** tag → its expiry (ms) and account, in insertion order. */
  private readonly tags = new Map<string, { expiry: number; userId: string }>();
  /** account id → its tag, for forget(). */
  private readonly byUser = new Map<string, string>();

  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
  ) {}

  private tag(state: VerifiedState, password: string): string {
    const revoked = state.revokedAt ? String(state.revokedAt.getTime()) : '';
    return createHmac('sha256', this.key)
      .update(`${state.userId}\u0000${state.storedHash}\u0000${revoked}\u0000`)
      .update(password)
      .digest('base64url');
  }

  /** True when this password was verified for this state within the memory's time. */
  has(state: VerifiedState, password: string, nowMs: number): boolean {
    if (this.maxEntries === 0) return false;
    const tag = this.tag(state, password);
    const entry = this.tags.get(tag);
    if (entry === undefined) return false;
    if (entry.expiry > nowMs) return true;
    this.drop(tag);
    return false;
  }

  remember(state: VerifiedState, password: string, nowMs: number): void {
    if (this.maxEntries === 0) return;
    this.forget(state.userId);
    const tag = this.tag(state, password);
    this.tags.set(tag, { expiry: nowMs + this.ttlMs, userId: state.userId });
    this.byUser.set(state.userId, tag);
    while (this.tags.size > this.maxEntries) this.drop(this.tags.keys().next().value!);
  }

  private drop(tag: string): void {
    const entry = this.tags.get(tag);
    this.tags.delete(tag);
    if (entry && this.byUser.get(entry.userId) === tag) this.byUser.delete(entry.userId);
  }

  /** Forgets the account's entry (a reset, a revoke or a deletion in this process). */
  forget(userId: string): void {
    const tag = this.byUser.get(userId);
    if (tag !== undefined) this.drop(tag);
  }

  get size(): number {
    return this.tags.size;
  }
}
