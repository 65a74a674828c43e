/**
 * Failed and dead-token pushes for the console's Failures and `admin failures`: newest
 * first, optionally of one reason (src/services/pushes/outcomes.ts, served by the
 * {outcome, at} and {reason, at} indexes), each with its requeue if it had one, and the
 * reasons of recent failures to filter by.
 */
import { PushOutcome } from '../../models/pushOutcome';
import { PushRequeue } from '../../models/pushRequeue';
import { failedPushes } from '../pushes/outcomes';

export const FAILURES_SHOWN = 50;
/** Reasons offered in the filter: those of the newest failures. */
const REASONS_FROM = 500;
/** Longest reason a filter may name (recorded reasons are a provider's short answer). */
export const MAX_REASON_LENGTH = 500;

export interface FailureView {
  id: string;
  at: Date;
  outcome: string;
  reason: string;
  provider: string;
  kind: string;
  message_id?: string;
  attempts: number;
  requeued?: { job_id: string; by: string; at: Date };
}

export async function listFailures(opts: { reason?: string; limit?: number }): Promise<FailureView[]> {
  const found = await failedPushes({ reason: opts.reason, limit: opts.limit ?? FAILURES_SHOWN });
  // One read for the page (push_requeues holds only what operators requeued).
  const marks = new Map(
    found.length === 0
      ? []
      : (await PushRequeue.find({ _id: { $in: found.map((f) => f._id) } }).lean()).map((m) => [m._id, m]),
  );
  return found.map((f) => {
    const mark = marks.get(f._id);
    return {
      id: f._id,
      at: f.at,
      outcome: f.outcome,
      reason: f.reason ?? '',
      provider: f.provider ?? '',
      kind: f.kind,
      message_id: f.message_id?.toHexString(),
      attempts: f.attempts,
      requeued: mark ? { job_id: mark.job_id.toHexString(), by: mark.by, at: mark.at } : undefined,
    };
  });
}

/** The reasons of the newest failures, most frequent first. */
export async function failureReasons(): Promise<{ reason: string; count: number }[]> {
  const recent = await PushOutcome.find({ outcome: { $in: ['failed', 'dead_token'] } }, { reason: 1, _id: 0 })
    .sort({ at: -1 })
    .limit(REASONS_FROM)
    .lean<{ reason?: string }[]>();
  const counts = new Map<string, number>();
  for (const r of recent) if (r.reason) counts.set(r.reason, (counts.get(r.reason) ?? 0) + 1);
  return [...counts].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count);
}
