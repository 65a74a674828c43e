/**
 * Per-user daily quotas (src/services/quotas.ts): one document per counted request,
 * carrying how much of each quota it uses, so that a send to 2,000 receivers is one insert,
 * and a user's use of the day is one aggregate sum (no $inc, which is not atomic on the
 * embedded database). The cleanup job deletes the days before yesterday.
 */
import { Schema, model } from 'mongoose';

const quotaHitSchema = new Schema(
  {
    user_id: { type: Schema.Types.ObjectId, required: true },
    day: { type: Number, required: true }, // whole UTC days since the epoch
    messages: { type: Number, default: 0 },
    pushes: { type: Number, default: 0 },
    lookups: { type: Number, default: 0 },
  },
  { collection: 'quota_hits', versionKey: false },
);

quotaHitSchema.index({ user_id: 1, day: 1 }); // a user's use of the day
quotaHitSchema.index({ day: 1 }); // cleanup

export const QuotaHit = model('QuotaHit', quotaHitSchema);
