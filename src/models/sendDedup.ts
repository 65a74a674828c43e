/**
 * Claims of recent sends, so that an app's retry of a send stores nothing new. The _id is
 * `<sha256 of the send>:<time bucket>` and is the whole mechanism: two requests claiming
 * one key cannot both insert it (see src/domain/sendDedup.ts for the exact rule).
 * Expired claims are deleted by a TTL index on MongoDB; on the embedded database, which has
 * none, by the sender's next send (a sender who never sends again leaves a few behind).
 */
import { Schema, model } from 'mongoose';
import { expiresAfter } from './expiry';

const sendDedupSchema = new Schema(
  {
    _id: { type: String, required: true },
    sender_id: { type: Schema.Types.ObjectId, required: true },
    expires_at: { type: Date, required: true },
  },
  { collection: 'send_dedup', versionKey: false },
);

sendDedupSchema.index({ sender_id: 1, expires_at: 1 }); // delete a sender's expired claims
sendDedupSchema.index({ expires_at: 1 }, expiresAfter(0, { ttlOnly: true }));

export const SendDedup = model('SendDedup', sendDedupSchema);
