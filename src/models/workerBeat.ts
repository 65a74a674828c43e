/**
 * Worker heartbeats (README "Operating"), in two collections:
 *
 * worker_beats   one small document per worker and heartbeat interval
 *                (WORKER_HEARTBEAT_S), `_id` = `${worker}:${interval number}`: a unique
 *                insert, so a beat repeated within its interval (a retried insert) is
 *                refused, and none is ever updated. `interval` is what the worker did
 *                since its previous beat (deliveries by outcome and provider, the lag
 *                histogram): the console sums a day of them. Kept a day and a bit.
 * worker_states  one document per worker process (`_id` = the worker id), replaced whole
 *                at each beat by that worker, its only writer (no race): its figures since
 *                it started (DeliveryMetrics.snapshot, which the web's /metrics exposes
 *                labelled by worker and dyno), its periodic jobs (last run, result, next
 *                run), whether it saw delivery paused. A worker whose state is older than
 *                two intervals is shown as gone.
 * The split keeps the day the console reads small: the figures are a few KB, and the
 * embedded database decodes every field of every document it scans (a day of whole beats
 * of one worker, 5,760 documents, took 6 s to count; without figures and jobs, 1 s).
 * Both are kept a day and a bit (TTL indexes on MongoDB, the cleanup job elsewhere).
 */
import { Schema, model, type InferSchemaType } from 'mongoose';
import { HOUR_S } from '../domain/time';
import { expiresAfter } from './expiry';

/** Beats older than this are removed: the console's "last day" figures read a day of them. */
export const BEAT_RETENTION_S = 26 * HOUR_S;

const workerBeatSchema = new Schema(
  {
    _id: { type: String, required: true }, // `${worker}:${interval number}`
    worker: { type: String, required: true },
    dyno: { type: String }, // Heroku's DYNO (worker.1)
    at: { type: Date, required: true },
    started_at: { type: Date, required: true },
    interval_s: { type: Number, required: true },
    paused: { type: Boolean, default: false },
    interval: { type: Schema.Types.Mixed },
  },
  { collection: 'worker_beats', versionKey: false },
);

workerBeatSchema.index({ at: 1 }, expiresAfter(BEAT_RETENTION_S)); // recent beats; expiry

export type WorkerBeatFields = InferSchemaType<typeof workerBeatSchema>;
export const WorkerBeat = model('WorkerBeat', workerBeatSchema);

const workerStateSchema = new Schema(
  {
    _id: { type: String, required: true }, // the worker id
    worker: { type: String, required: true },
    dyno: { type: String },
    at: { type: Date, required: true }, // its last beat
    started_at: { type: Date, required: true },
    interval_s: { type: Number, required: true },
    paused: { type: Boolean, default: false },
    /** Android pushes a second it paces to (the web processes' logins); null: unpaced. */
    android_rate: { type: Number },
    figures: { type: Schema.Types.Mixed },
    jobs: { type: Schema.Types.Mixed },
  },
  { collection: 'worker_states', versionKey: false },
);

workerStateSchema.index({ at: 1 }, expiresAfter(BEAT_RETENTION_S)); // workers of the last day; expiry

export type WorkerStateFields = InferSchemaType<typeof workerStateSchema>;
export const WorkerState = model('WorkerState', workerStateSchema);
