/**
 * The IETF `RateLimit-Policy` and `RateLimit` header fields (draft-ietf-httpapi-ratelimit-headers-10,
 * structured-field lists) for a 429: each limit the request was over, its quota `q` per window
 * `w` (seconds), none remaining (`r=0`) and `t` the seconds until a retry may pass, as in
 * `Retry-After`. Only 429s carry them: the remaining count of a limit is known only when a
 * request is counted against it, and the login limits count failures, not requests, so
 * answering them on every request would cost reads for numbers that mean little.
 */
import type { LimitPolicy } from '../errors';

/** A policy name as a structured-field string: printable ASCII, `"` and `\` escaped. */
function sfString(name: string): string {
  return `"${name.replace(/[^\x20-\x7e]/g, '?').replace(/["\\]/g, '\\$&')}"`;
}

export function rateLimitHeaders(
  limits: readonly LimitPolicy[],
  retryAfterSeconds: number,
): Record<'RateLimit-Policy' | 'RateLimit', string> | undefined {
  if (limits.length === 0) return undefined;
  const names = limits.map((l) => sfString(l.name));
  return {
    'RateLimit-Policy': limits
      .map((l, i) => `${names[i]};q=${l.quota};w=${Math.max(1, Math.round(l.windowSeconds))}`)
      .join(', '),
    RateLimit: names.map((n) => `${n};r=0;t=${retryAfterSeconds}`).join(', '),
  };
}
