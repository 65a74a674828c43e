/**
 * Per-user daily quotas (src/services/messages/quotas.ts): one document per counted request,
 * carrying what it uses of each quota (a send to 2,000 receivers is one insert), numbered
 * densely per user and day: `_id` is `${user}:${day}:${seq}`, so that a number is taken by a
 * unique insert, the one write the embedded database decides atomically. A refund zeroes the
 * amounts and keeps the document, which keeps the numbering dense. The cleanup job deletes
 * the days before yesterday.
 *
 * Collection `quota_seq`: the previous shape (`quota_hits`, one unnumbered document per
 * kind) is not read. On the day of the switch what it counted is not counted again; after
 * that day it holds only old hits and can be dropped.
 */
import { Schema, model } from 'mongoose';

const quotaHitSchema = new Schema(
  {
    _id: { type: String, required: true },
    user_id: { type: Schema.Types.ObjectId, required: true },
    day: { type: Number, required: true }, // whole UTC days since the epoch
    seq: { type: Number, required: true }, // 0, 1, 2… per user and day, no gap
    messages: { type: Number, required: true },
    pushes: { type: Number, required: true },
    lookups: { type: Number, required: true },
  },
  { collection: 'quota_seq', versionKey: false },
);

quotaHitSchema.index({ user_id: 1, day: 1, seq: 1 }); // the count of the day; the prefix up to a seq
quotaHitSchema.index({ day: 1 }); // cleanup

/** The `_id` of a user's hit number `seq` of `day`: two requests cannot both insert it. */
export function quotaHitId(userId: { toString(): string }, day: number, seq: number): string {
  return `${userId.toString()}:${day}:${seq}`;
}

export const QuotaHit = model('QuotaHit', quotaHitSchema);
