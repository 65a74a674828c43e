/**
 * Claims of recent sends, so that an app's retry of a send stores nothing new. The _id is
 * `<sha256 of the send>:<time bucket>` and is the whole mechanism: two requests claiming
 * one key cannot both insert it (see src/domain/sendDedup.ts for the exact rule).
 * Expired claims are deleted by the sender's next send (no TTL index on the embedded db).
 */
import { Schema, model } from 'mongoose';

const sendDedupSchema = new Schema(
  {
    _id: { type: String, required: true },
    sender_id: { type: Schema.Types.ObjectId, required: true },
    expires_at: { type: Date, required: true },
  },
  { collection: 'send_dedup', versionKey: false },
);

sendDedupSchema.index({ sender_id: 1, expires_at: 1 }); // delete a sender's expired claims

export const SendDedup = model('SendDedup', sendDedupSchema);
