/**
 * Claims of push jobs: the only way a worker comes to own a push. The embedded database
 * decides races only by unique-key inserts (README "Databases"), so a claim is the insert
 * of `${job_id}:${claim_no}`: whoever inserts it owns the push until `lease_until`. Taking
 * over an expired lease is the insert of the next number, which again only one worker
 * wins. A worker claims a batch of jobs with one unordered insert.
 *
 * Claims stay after their job is done, until they expire an hour after their lease ended
 * (a TTL index on MongoDB, the cleanup job elsewhere): a worker holding a stale copy of a
 * finished job then finds the claim taken, and only ever inserts a number another worker used if that one's lease expired,
 * in which case it looks for the job's outcome (push_outcomes) before pushing. A claim
 * given back unsent (a stopping worker) is deleted, so the number is free again at once.
 */
import { Schema, model, type InferSchemaType } from 'mongoose';
import { HOUR_S } from '../domain/time';
import { expiresAfter } from './expiry';

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

pushClaimSchema.index({ lease_until: 1 }, expiresAfter(HOUR_S)); // claims go an hour after their lease

export type PushClaimFields = InferSchemaType<typeof pushClaimSchema>;
export const PushClaim = model('PushClaim', pushClaimSchema);

export function claimId(jobId: { toString(): string }, claimNo: number): string {
  return `${jobId.toString()}:${claimNo}`;
}
