/**
 * This process's failed checks per owner-phone key (account + push token) over the login
 * window, so that a check judged in its account's turn also counts the failures of this
 * process that happened after its count was read (services/accounts/login). Bounded: the
 * oldest keys go beyond MAX_KEYS.
 */
const MAX_KEYS = 10_000;

export class PhoneFailures {
  private readonly times = new Map<string, number[]>();

  constructor(private readonly windowMs: number) {}

  add(key: string, atMs: number): void {
    const list = (this.times.get(key) ?? []).filter((t) => t > atMs - this.windowMs);
    list.push(atMs);
    this.times.delete(key); // re-inserted last: the most recent keys stay
    this.times.set(key, list);
    while (this.times.size > MAX_KEYS) this.times.delete(this.times.keys().next().value!);
  }

  /** Failures of `key` after `sinceMs`. */
  since(key: string, sinceMs: number): number {
    return (this.times.get(key) ?? []).filter((t) => t > sinceMs).length;
  }
}
