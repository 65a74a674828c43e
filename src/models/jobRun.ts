/**
 * Once-only keys of the worker's periodic work. Several workers run the same cron
 * schedule; each run first inserts `${job}:${slot ISO time}` and only the insert that
 * succeeds runs it. Per-user once-only actions use the same collection
 * (`reminder:${user_id}`). Old keys are removed by the cleanup job (no TTL indexes on the
 * embedded database).
 */
import { Schema, model } from 'mongoose';

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

export const JobRun = model('JobRun', jobRunSchema);
