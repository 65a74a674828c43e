/**
 * Rate-limit hits shared by every web process: one document per counted request, so
 * that counting is an insert then a count (no $inc, which is not atomic on the embedded
 * database). Old hits are deleted once their own window is over (`until`: a TTL index on
 * MongoDB, the cleanup job elsewhere), which keeps the collection to about one window of
 * traffic per rule.
 */
import { Schema, model } from 'mongoose';
import { expiresAfter } from './expiry';

const rateHitSchema = new Schema(
  {
    key: { type: String, required: true }, // `${scope}:${hash of the address or email}`
    at: { type: Date, required: true },
    until: { type: Date }, // `at` + its rule's window: no longer counted after
  },
  { collection: 'rate_hits', versionKey: false },
);

rateHitSchema.index({ key: 1, at: 1 }); // hits of a key in the window
rateHitSchema.index({ at: 1 }); // cleanup of hits written without `until`
rateHitSchema.index({ until: 1 }, expiresAfter(0));

export const RateHit = model('RateHit', rateHitSchema);
