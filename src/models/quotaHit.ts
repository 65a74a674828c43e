/**
 * Per-user daily quotas (src/services/messages/quotas.ts): one document per counted request and
 * quota, carrying how much of it the request uses, so that a send to 2,000 receivers is
 * one insert, and a user's use of the day is one aggregate sum per kind (no $inc, which is
 * not atomic on the embedded database). One kind per document because the embedded
 * database sums only the first `$sum` of a `$group` (the others come back 0); grouping by
 * kind needs one. The cleanup job deletes the days before yesterday.
 */
import { Schema, model } from 'mongoose';
import { QUOTA_KINDS } from '../domain/quota';

const quotaHitSchema = new Schema(
  {
    user_id: { type: Schema.Types.ObjectId, required: true },
    day: { type: Number, required: true }, // whole UTC days since the epoch
    kind: { type: String, enum: QUOTA_KINDS, required: true },
    amount: { type: Number, required: true },
  },
  { collection: 'quota_hits', versionKey: false },
);

quotaHitSchema.index({ user_id: 1, day: 1 }); // a user's use of the day
quotaHitSchema.index({ day: 1 }); // cleanup

export const QuotaHit = model('QuotaHit', quotaHitSchema);
