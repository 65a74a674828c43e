/**
 * Claims of push jobs: the only way a worker comes to own a push. The embedded database
 * decides races only by unique-key inserts (README "Databases"), so a claim is the insert
 * of `${job_id}:${claim_no}`: whoever inserts it owns the push until `lease_until`. Taking
 * over an expired lease is the insert of the next number, which again only one worker
 * wins. Only _id operations touch it on the delivery path. A claim released unsent is
 * deleted, a finished job's claim is deleted right after the job, so the collection holds
 * live claims only; claims of earlier attempts and of crashed workers are removed by the
 * cleanup job an hour after their lease ended. Receipts (receiptId) live here too and go
 * the same ways.
 */
import { Schema, model, type InferSchemaType } from 'mongoose';

const pushClaimSchema = new Schema(
  {
    _id: { type: String, required: true }, // `${job_id}:${claim_no}`
    job_id: { type: Schema.Types.ObjectId, required: true },
    worker: { type: String, required: true },
    lease_until: { type: Date, required: true },
    created_at: { type: Date, required: true },
    // Only on receipts (`${job_id}:${claim_no}:done`, see receiptId): the final answer.
    receipt: {
      state: { type: String },
      outcome: { type: String },
      at: { type: Date },
      provider_id: { type: String },
      reason: { type: String },
      attempts: { type: Number },
    },
  },
  { collection: 'push_claims', versionKey: false },
);

pushClaimSchema.index({ lease_until: 1 }); // cleanup of claims left by crashed workers

export type PushClaimFields = InferSchemaType<typeof pushClaimSchema>;
export const PushClaim = model('PushClaim', pushClaimSchema);

export function claimId(jobId: { toString(): string }, claimNo: number): string {
  return `${jobId.toString()}:${claimNo}`;
}

/**
 * A receipt is inserted by the owner of claim `claimNo` as soon as the provider gave its
 * final answer: one cheap insert, so that a worker taking the job over after a slow
 * record finds it and does not push again.
 */
export function receiptId(jobId: { toString(): string }, claimNo: number): string {
  return `${claimId(jobId, claimNo)}:done`;
}
