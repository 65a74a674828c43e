/**
 * Once-only keys of the worker's periodic work. Several workers run the same cron
 * schedule; each run first inserts `${job}:${slot ISO time}` and only the insert that
 * succeeds runs it. Per-user once-only actions use the same collection
 * (`reminder:${user_id}`). Old keys are removed by the cleanup job on the embedded database
 * (run keys after 2 days, reminder keys after 7), by a TTL index of 7 days on MongoDB: one
 * TTL index has one delay, and reminder keys must outlive the 64 h reminder window.
 */
import { Schema, model } from 'mongoose';
import { DAY_S } from '../domain/time';
import { expiresAfter } from './expiry';

const jobRunSchema = new Schema(
  {
    _id: { type: String, required: true },
    kind: { type: String, required: true }, // 'run' | 'reminder'
    worker: { type: String, default: '' },
    created_at: { type: Date, required: true },
  },
  { collection: 'job_runs', versionKey: false },
);

jobRunSchema.index({ kind: 1, created_at: 1 }); // cleanup of old keys of one kind
jobRunSchema.index({ created_at: 1 }, expiresAfter(7 * DAY_S, { ttlOnly: true }));

export const JobRun = model('JobRun', jobRunSchema);
