/**
 * Per-user daily quotas (README "Limits"): what a request uses, the UTC day it counts in,
 * and which quota, if any, the day's total goes over.
 */
import { DAY_MS } from './time';
export const QUOTA_KINDS = ['messages', 'pushes', 'lookups'] as const;
export type QuotaKind = (typeof QUOTA_KINDS)[number];
export type QuotaAmounts = Record<QuotaKind, number>;

/** Whole UTC days since the epoch: a quota's window. */
export function quotaDay(now: Date): number {
  return Math.floor(now.getTime() / DAY_MS);
}

/** Seconds until the next UTC midnight, when the day's quotas free (at least 1). */
export function secondsUntilNextDay(now: Date): number {
  return Math.max(1, Math.ceil(((quotaDay(now) + 1) * DAY_MS - now.getTime()) / 1000));
}

/**
 * The first quota that the day's total (this request included) goes over; a limit of 0
 * is no quota, and a request using none of a quota never fails on it.
 */
export function exceededQuota(
  used: QuotaAmounts,
  total: QuotaAmounts,
  limits: QuotaAmounts,
): QuotaKind | undefined {
  return QUOTA_KINDS.find((k) => limits[k] > 0 && used[k] > 0 && total[k] > limits[k]);
}
