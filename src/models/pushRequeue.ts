/**
 * Failed pushes an operator requeued (README "Operating"): `_id` is the failed push's
 * outcome id, so the unique insert decides that one failure is requeued once, whoever
 * asks and however often. `job_id` is the new push job's id, chosen before the job is
 * inserted: a requeue interrupted between the two inserts is finished by the next one
 * (the job insert is refused if it landed). Kept as long as push outcomes.
 */
import { Schema, model } from 'mongoose';
import { DAY_S } from '../domain/time';
import { expiresAfter } from './expiry';

const pushRequeueSchema = new Schema(
  {
    _id: { type: String, required: true }, // the failed outcome's id (its push job's id)
    job_id: { type: Schema.Types.ObjectId, required: true },
    by: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { collection: 'push_requeues', versionKey: false },
);

pushRequeueSchema.index(
  { at: 1 },
  expiresAfter((c) => c.PUSH_OUTCOME_RETENTION_DAYS * DAY_S),
);

export const PushRequeue = model('PushRequeue', pushRequeueSchema);
