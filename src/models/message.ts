/**
 * A message to one receiver. A message to a phone number without an account is a
 * "bottle": receiver_id is null and receiver_phone holds the number until someone
 * registers it (define_first_phone_number), which sets receiver_id.
 *
 * A message is pending until its delivery_time (a bottle until someone claims it): the
 * time is the state. It shows in /receive_all from then on, and the worker pushes it
 * through its push job. How the push ended is in push_outcomes, not here: the worker
 * never writes this collection, so a push costs no update of a large collection
 * (README "Worker"). A blocked message is never pushed, returned or counted.
 *
 * The text and the media ids are encrypted at rest (./encrypted.ts): this model reads and
 * writes them plain, the collection holds `enc1:…` values, and no query can filter on them.
 */
import { Schema, model, type InferSchemaType, type HydratedDocument } from 'mongoose';
import { ENCRYPTED } from '../crypto/fields';
import { encryptedFields } from './encrypted';

const messageSchema = new Schema(
  {
    sender_id: { type: Schema.Types.ObjectId, required: true },
    receiver_id: { type: Schema.Types.ObjectId, default: null },
    receiver_phone: { type: String, default: '' }, // set for bottles (and kept for history)
    message: { type: String, default: '' },
    photo_id: { type: String, default: '' },
    video_id: { type: String, default: '' },
    sound_id: { type: String, default: '' },
    created_at: { type: Date, required: true },
    delivery_time: { type: Date, required: true },
    receive_label: { type: String, default: '' },
    receive_color: { type: String, default: '' },
    version: { type: String, default: '1.0' },
    /** Delivered when sent (delivery_time <= created_at): not counted as a future message. */
    send_now: { type: Boolean, default: false },
    blocked: { type: Boolean, default: false },
  },
  { collection: 'messages', versionKey: false },
);

// Equality fields first, then the range or sort field (README "Messages" lists the queries).
messageSchema.index({ receiver_id: 1, blocked: 1, delivery_time: 1 }); // receive_all window
messageSchema.index({ receiver_id: 1, blocked: 1, send_now: 1, delivery_time: 1 }); // future messages count
messageSchema.index({ sender_id: 1, blocked: 1, send_now: 1, delivery_time: 1 }); // status count
messageSchema.index({ sender_id: 1, receiver_id: 1, blocked: 1, send_now: 1 }); // status: unclaimed bottles
messageSchema.index({ sender_id: 1, receiver_id: 1, blocked: 1, delivery_time: 1 }); // block_contacts, both directions
messageSchema.index({ receiver_phone: 1, receiver_id: 1 }); // bottles of a phone number
messageSchema.index({ delivery_time: 1, _id: 1 }); // the worker's sweep of messages recently due
messageSchema.plugin(encryptedFields, ENCRYPTED.messages);

export type MessageFields = InferSchemaType<typeof messageSchema>;
export type MessageDoc = HydratedDocument<MessageFields>;
export { messageSchema };
export const Message = model('Message', messageSchema);
