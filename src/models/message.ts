/**
 * A message to one receiver. A message to a phone number without an account is a
 * "bottle": receiver_id is null and receiver_phone holds the number until someone
 * registers it (define_first_phone_number), which sets receiver_id.
 *
 * state drives delivery:
 *   pending    waiting for delivery_time; the worker pushes it when due
 *   delivered  pushed (or delivered without push: no usable token, dead token)
 *   failed     the push kept failing past the retry limit; still shown by /receive_all
 * blocked is separate from state: a blocked message is never pushed, returned or counted.
 */
import { Schema, model, type InferSchemaType, type HydratedDocument } from 'mongoose';

export const MESSAGE_STATES = ['pending', 'delivered', 'failed'] as const;
export type MessageState = (typeof MESSAGE_STATES)[number];

const pushSchema = new Schema(
  {
    outcome: { type: String }, // 'sent' | 'no_token' | 'dead_token' | 'failed'
    at: { type: Date },
    provider_id: { type: String },
    reason: { type: String },
    attempts: { type: Number },
  },
  { _id: false },
);

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
    state: { type: String, enum: MESSAGE_STATES, default: 'pending' },
    blocked: { type: Boolean, default: false },
    push: { type: pushSchema, default: undefined },
  },
  { collection: 'messages', versionKey: false },
);

// Equality fields first, then the range or sort field (README "Messages" lists the queries).
messageSchema.index({ receiver_id: 1, blocked: 1, delivery_time: 1 }); // receive_all window
messageSchema.index({ receiver_id: 1, state: 1, blocked: 1, send_now: 1 }); // future messages count
messageSchema.index({ sender_id: 1, state: 1, blocked: 1, send_now: 1 }); // status count
messageSchema.index({ sender_id: 1, receiver_id: 1, state: 1, blocked: 1 }); // block_contacts, both directions
messageSchema.index({ receiver_phone: 1, receiver_id: 1 }); // bottles of a phone number
messageSchema.index({ state: 1, delivery_time: 1 }); // the worker's sweep of due pending messages

export type MessageFields = InferSchemaType<typeof messageSchema>;
export type MessageDoc = HydratedDocument<MessageFields>;
export { messageSchema };
export const Message = model('Message', messageSchema);
