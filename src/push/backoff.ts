/**
 * Delay before the next attempt of a push after a temporary error: exponential from
 * `baseMs`, capped at `maxMs`, with "equal jitter" (half fixed, half random) so that a
 * burst of failures does not come back as a burst, and never shorter than the
 * provider's Retry-After (itself capped, so a bogus header cannot park a push for days).
 */
export interface BackoffSettings {
  baseMs: number;
  maxMs: number;
}

/** `attempt` is the number of attempts already made (1 after the first failure). */
export function retryDelayMs(
  attempt: number,
  settings: BackoffSettings,
  random: () => number,
  retryAfterMs?: number,
): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  const ceiling = Math.min(settings.maxMs, settings.baseMs * 2 ** exponent);
  const jittered = Math.round(ceiling / 2 + (random() * ceiling) / 2);
  const floor = Math.min(retryAfterMs ?? 0, settings.maxMs * 4);
  return Math.max(jittered, floor);
}

/** Pause of the worker loop after consecutive database errors: 250 ms doubling to 10 s. */
export function loopBackoffMs(consecutiveErrors: number, random: () => number): number {
  return jittered(250 * 2 ** Math.min(Math.max(consecutiveErrors - 1, 0), 10), 10_000, random);
}

/**
 * Pause before retrying the write that records a push already sent: 100 ms doubling to
 * 2 s, short because the lease keeps running meanwhile (busy or restarting database).
 */
export function recordRetryMs(failures: number, random: () => number): number {
  return jittered(100 * 2 ** Math.min(Math.max(failures - 1, 0), 10), 2_000, random);
}

function jittered(ms: number, cap: number, random: () => number): number {
  const ceiling = Math.min(cap, ms);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
