/**
 * The shapes the delivery code passes around: a push job as read, a claim on it, and the
 * final answer recorded for it (the receipt, and the message's push record).
 */
import type { Types } from 'mongoose';
import type { MessageState } from '../../src/models/message';
import type { PushJobFields } from '../../src/models/pushJob';

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
  /** On a takeover: the final answer an earlier owner got and recorded in a receipt. */
  receipt?: Receipt;
}

/** The message's `push` field: how its push ended. */
export interface PushRecord {
  outcome: 'sent' | 'no_token' | 'dead_token' | 'failed';
  at: Date;
  provider_id?: string;
  reason?: string;
  attempts?: number;
}

/** The final answer for a job, as the receipt stores it. */
export interface Receipt {
  state: MessageState;
  push: PushRecord;
}
