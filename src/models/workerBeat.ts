/**
 * Worker heartbeats: each worker process inserts one document per heartbeat interval
 * (WORKER_HEARTBEAT_S), `_id` = `${worker}:${interval number}`, so that a beat repeated
 * within its interval (a retried insert) is refused and nothing is ever updated (README
 * "Operating"). A worker whose newest beat is older than two intervals is shown as gone.
 *
 * A beat carries what the operator's console and the web's /metrics show of the worker:
 *   figures   its counters since it started (DeliveryMetrics.snapshot): the web's
 *             /metrics exposes the newest beat of each live worker, labelled by worker
 *             and dyno, so that one scrape sees the whole system
 *   interval  what it did since its previous beat (deliveries by outcome and provider,
 *             the lag histogram): the console sums these over the last hour and day
 *   jobs      the periodic jobs this worker ran last (result) and runs next
 *   paused    whether it saw delivery paused at its last scan
 * Kept a day and a bit (a TTL index on MongoDB, the cleanup job elsewhere).
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
    figures: { type: Schema.Types.Mixed },
    interval: { type: Schema.Types.Mixed },
    jobs: { type: Schema.Types.Mixed },
  },
  { collection: 'worker_beats', versionKey: false },
);

workerBeatSchema.index({ at: 1 }, expiresAfter(BEAT_RETENTION_S)); // recent beats; expiry

export type WorkerBeatFields = InferSchemaType<typeof workerBeatSchema>;
export const WorkerBeat = model('WorkerBeat', workerBeatSchema);
