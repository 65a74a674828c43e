/**
 * Claims of push jobs: the only way a worker comes to own a push. The embedded database
 * decides races only by unique-key inserts (README "Databases"), so a claim is the insert
 * of `${job_id}:${claim_no}`: whoever inserts it owns the push until `lease_until`. Taking
 * over an expired lease is the insert of the next number, which again only one worker
 * wins. Only _id operations touch it on the delivery path; a claim released unsent is
 * deleted, the claims of finished jobs are removed by the cleanup job an hour after their
 * lease ended.
 */
import { Schema, model, type InferSchemaType } from 'mongoose';

const pushClaimSchema = new Schema(
  {
    _id: { type: String, required: true }, // `${job_id}:${claim_no}`
    job_id: { type: Schema.Types.ObjectId, required: true },
    worker: { type: String, required: true },
    lease_until: { type: Date, required: true },
    created_at: { type: Date, required: true },
  },
  { collection: 'push_claims', versionKey: false },
);

pushClaimSchema.index({ lease_until: 1 }); // cleanup of claims left by crashed workers

export type PushClaimFields = InferSchemaType<typeof pushClaimSchema>;
export const PushClaim = model('PushClaim', pushClaimSchema);

export function claimId(jobId: { toString(): string }, claimNo: number): string {
  return `${jobId.toString()}:${claimNo}`;
}
