/**
 * Per-user daily quotas (src/services/messages/quotas.ts): each user's day is a chain of
 * entries numbered 0, 1, 2… with no gap, `_id` `${user}:${day}:${seq}`, so that a number
 * is taken by a unique insert, the one write the embedded database decides atomically.
 * An entry holds one request's amounts (negative for a refund) and the day's running total
 * through it; entries are never updated. The cleanup job deletes the days before yesterday.
 *
 * Collection `quota_seq`: the previous shape (`quota_hits`, one unnumbered document per
 * kind) is not read. On the day of the switch what it counted is not counted again; after
 * that day it holds only old hits and can be dropped.
 */
import { Schema, model, type Types } from 'mongoose';
import type { QuotaAmounts } from '../domain/quota';

const amountsSchema = new Schema(
  {
    messages: { type: Number, required: true },
    pushes: { type: Number, required: true },
    lookups: { type: Number, required: true },
  },
  { _id: false },
);

const quotaHitSchema = new Schema(
  {
    _id: { type: String, required: true },
    user_id: { type: Schema.Types.ObjectId, required: true },
    day: { type: Number, required: true }, // whole UTC days since the epoch
    seq: { type: Number, required: true }, // 0, 1, 2… per user and day, no gap
    amounts: { type: amountsSchema, required: true }, // this request's
    total: { type: amountsSchema, required: true }, // the day's, through this entry
  },
  { collection: 'quota_seq', versionKey: false },
);

quotaHitSchema.index({ user_id: 1, day: 1, seq: 1 }); // the day's last entry
quotaHitSchema.index({ day: 1 }); // cleanup

export interface QuotaEntry {
  _id: string;
  user_id: Types.ObjectId;
  day: number;
  seq: number;
  amounts: QuotaAmounts;
  total: QuotaAmounts;
}

/** The `_id` of a user's entry number `seq` of `day`: two requests cannot both insert it. */
export function quotaHitId(userId: { toString(): string }, day: number, seq: number): string {
  return `${userId.toString()}:${day}:${seq}`;
}

export const QuotaHit = model('QuotaHit', quotaHitSchema);
