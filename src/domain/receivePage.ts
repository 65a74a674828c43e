/**
 * Paging of /receive_all (README "Limits"). The apps send back the answer's `ts` as the
 * next call's `?ts=`, and a window is [ts, until) by delivery time, so `ts` is the only
 * cursor: a page must end where a delivery time ends, or the messages sharing the cut's
 * time would be skipped (ts after them) or returned forever (ts at them, when they alone
 * fill a page).
 *
 * The server reads the window's first RECEIVE_MAX + 1 messages by delivery time:
 *  - all of them fit: answer them, ts = until, the window's end (answering now, as the
 *    original did, returned the look-ahead's messages a second time);
 *  - else the page is every message before the first one left out, and ts is that one's
 *    delivery time: nothing is skipped, and nothing is returned twice;
 *  - when even that is empty (more than RECEIVE_MAX messages share the first delivery
 *    time), the page is the messages of that instant, and ts the millisecond after it.
 *    Only a flood reaches past INSTANT_PAGE_FACTOR x RECEIVE_MAX messages in one millisecond
 *    for one receiver (overdue bottles claimed together share one; so do calendar sends
 *    to one chosen instant): the page stops there, so that no answer is unbounded, and the
 *    rest of that millisecond is never answered. This is the one case that skips messages;
 *    `ts` cannot carry a position inside one millisecond.
 */
export const INSTANT_PAGE_FACTOR = 4;

export type PageCut =
  { kind: 'all' } | { kind: 'before'; count: number; next: number } | { kind: 'instant'; at: number };

/** `times`: the delivery times (ms) of the window's first max + 1 messages, ascending. */
export function cutPage(times: readonly number[], max: number): PageCut {
  if (times.length <= max) return { kind: 'all' };
  const next = times[max]!;
  const count = times.findIndex((t) => t >= next);
  return count > 0 ? { kind: 'before', count, next } : { kind: 'instant', at: next };
}
