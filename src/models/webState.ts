/**
 * What each web process can take of the wake-up wave (README "The wake-up wave"): one
 * document per web process (`_id` = its id), replaced whole every WEB_STATE_S by that
 * process, its only writer. The worker paces pushes to Android phones by the sum over the
 * web processes seen in the last three intervals. Kept an hour (TTL index on MongoDB, the
 * cleanup job elsewhere).
 */
import { Schema, model, type InferSchemaType } from 'mongoose';
import { HOUR_S } from '../domain/time';
import { expiresAfter } from './expiry';

export const WEB_STATE_RETENTION_S = HOUR_S;

const webStateSchema = new Schema(
  {
    _id: { type: String, required: true }, // the web process's id
    dyno: { type: String },
    at: { type: Date, required: true },
    /** Logins a second it can answer: bcrypt checks a second over the share that needs one. */
    login_capacity: { type: Number, required: true },
    /** bcrypt tasks running or waiting when it wrote this. */
    login_queue: { type: Number, required: true },
  },
  { collection: 'web_states', versionKey: false },
);

webStateSchema.index({ at: 1 }, expiresAfter(WEB_STATE_RETENTION_S)); // live web processes; expiry

export type WebStateFields = InferSchemaType<typeof webStateSchema>;
export const WebState = model('WebState', webStateSchema);
