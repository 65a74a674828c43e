/**
 * How pushes ended, for operators (the console's failures list) and support: by message,
 * and failures newest first, optionally of one reason. Read from push_outcomes, which the
 * worker fills (src/models/pushOutcome.ts); each query is served by an index there.
 */
import type { Types } from 'mongoose';
import { PushOutcome, type PushOutcomeFields, type PushOutcomeKind } from '../../models/pushOutcome';

export type PushOutcomeView = PushOutcomeFields & { _id: string };

/** Every recorded push of one message (a resent message has one per delivery), newest first. */
export function pushOutcomesOf(messageId: Types.ObjectId): Promise<PushOutcomeView[]> {
  return PushOutcome.find({ message_id: messageId }).sort({ at: -1 }).lean<PushOutcomeView[]>().exec();
}

/** Failed and dead-token pushes, newest first; `reason` narrows to one reason. */
export function failedPushes(opts: { reason?: string; limit: number }): Promise<PushOutcomeView[]> {
  const failures: PushOutcomeKind[] = ['failed', 'dead_token'];
  const filter = opts.reason
    ? { reason: opts.reason, outcome: { $in: failures } }
    : { outcome: { $in: failures } };
  return PushOutcome.find(filter).sort({ at: -1 }).limit(opts.limit).lean<PushOutcomeView[]>().exec();
}
