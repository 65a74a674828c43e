/**
 * How each push ended: one document per push job, inserted once by the worker that got
 * the final answer (or decided there was nothing to send), and never updated. This is the
 * record of delivery: the `messages` collection is not written by the worker, because on
 * the embedded database every update scans its collection, and on MongoDB it would rewrite
 * the message's entries in several indexes (README "Worker").
 *
 * _id is the push job's id: a second insert for one job (a takeover that raced a slow
 * record) is refused, and a takeover looks the outcome up by _id before pushing again.
 *
 *   outcome  sent        the provider accepted the push (provider_id is its id)
 *            no_token    the receiver had no usable device: delivered without a push
 *            dead_token  the provider refused the token; it was cleared from the user
 *            failed      permanent error, configuration error, or retries exhausted
 *            dropped     nothing to send any more (legacy job of a deleted or blocked message)
 * Kept for PUSH_OUTCOME_RETENTION_DAYS (a TTL index on MongoDB, the cleanup job elsewhere).
 */
import { Schema, model, type InferSchemaType } from 'mongoose';
import { DAY_S } from '../domain/time';
import { expiresAfter } from './expiry';
import { PUSH_KINDS } from './pushJob';

export const PUSH_OUTCOMES = ['sent', 'no_token', 'dead_token', 'failed', 'dropped'] as const;
export type PushOutcomeKind = (typeof PUSH_OUTCOMES)[number];

const pushOutcomeSchema = new Schema(
  {
    _id: { type: String, required: true }, // the push job's id (hex)
    kind: { type: String, enum: PUSH_KINDS, required: true },
    message_id: { type: Schema.Types.ObjectId }, // kind 'message'
    user_id: { type: Schema.Types.ObjectId, required: true },
    outcome: { type: String, enum: PUSH_OUTCOMES, required: true },
    reason: { type: String },
    provider: { type: String }, // 'fcm' | 'apns' when a provider was called
    provider_id: { type: String },
    attempts: { type: Number, required: true },
    due_at: { type: Date, required: true },
    at: { type: Date, required: true },
    worker: { type: String, required: true },
  },
  { collection: 'push_outcomes', versionKey: false },
);

pushOutcomeSchema.index({ message_id: 1, at: -1 }); // how a message's pushes ended
pushOutcomeSchema.index({ outcome: 1, at: -1 }); // failures, newest first (operators)
pushOutcomeSchema.index({ reason: 1, outcome: 1, at: -1 }); // failures of one reason (the console, requeue)
pushOutcomeSchema.index(
  { at: 1 },
  expiresAfter((c) => c.PUSH_OUTCOME_RETENTION_DAYS * DAY_S),
);

export type PushOutcomeFields = InferSchemaType<typeof pushOutcomeSchema>;
export const PushOutcome = model('PushOutcome', pushOutcomeSchema);
