/**
 * The shapes a push passes through on its way: a job as read from the queue, the claim
 * that makes it ours, and the outcome recorded for it.
 */
import type { Types } from 'mongoose';
import type { PushJobFields } from '../../src/models/pushJob';
import type { PushOutcomeKind } from '../../src/models/pushOutcome';

export type JobRecord = PushJobFields & { _id: Types.ObjectId };

export interface Claim {
  job: JobRecord;
  claimNo: number;
  /** Epoch ms after which another worker may take the job over. */
  leaseUntil: number;
  /** This claim took over an expired lease (the previous owner may have sent). */
  takeover: boolean;
  /** Set right before the provider call: from then on the claim is never released. */
  sending?: boolean;
  /** A takeover found the outcome an earlier owner recorded: the job is only removed. */
  settled?: boolean;
}

/** How a push ended, as push_outcomes stores it (src/models/pushOutcome.ts). */
export interface OutcomeRecord {
  outcome: PushOutcomeKind;
  reason?: string;
  provider?: 'fcm' | 'apns';
  provider_id?: string;
  attempts: number;
}
