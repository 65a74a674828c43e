/**
 * The push queue, in two collections of one shape (README "Worker"):
 *   push_jobs      pushes due within SCHEDULE_AHEAD_MS (and those overdue): what the
 *                  worker scans, claims and removes once the outcome is recorded, so it
 *                  stays as small as the work of the next seconds;
 *   push_schedule  pushes due later (a message sent for next year), moved into push_jobs
 *                  by the worker's promote job seconds before they are due. On the
 *                  embedded database every read scans its collection (about 38 us a
 *                  document): the pushes of the coming months are read once per promote
 *                  run, and the worker's due reads, twice a second, see only push_jobs.
 * The web queues through queuePushes (src/services/pushes/queue.ts), which picks one.
 *
 * kind 'message': push for a due message. `label` is the message's receive_label, copied
 *                 when the job is queued, so that the worker needs no read of the message
 *                 (the iOS alert is all it shows). Blocking a message deletes its jobs.
 *                 A job without a label (queued by an older version) makes the worker
 *                 read the message and drop the job if it is gone, blocked or resent.
 * kind 'teaser' | 'joined': a text push to a user (../shared/CONTRACT.md §3, §4). The text
 *                 holds an address-book name: it is encrypted at rest (./encrypted.ts).
 *
 * The web process inserts { kind, user_id, message_id + label | text, due_at }. The
 * worker owns the other fields; none of them decides a race (claims do, see pushClaim.ts):
 *   claim_no  number of the claim to insert next (push_claims _id `${_id}:${claim_no}`)
 *   attempt   send attempts used so far (temporary errors and lease takeovers)
 *   run_at    not before this time (a retry's back-off); unset = due_at
 */
import { Schema, model, type InferSchemaType, type HydratedDocument } from 'mongoose';
import { ENCRYPTED } from '../crypto/fields';
import { encryptedFields } from './encrypted';

export const PUSH_KINDS = ['message', 'teaser', 'joined'] as const;
export type PushKind = (typeof PUSH_KINDS)[number];

const pushJobSchema = new Schema(
  {
    kind: { type: String, enum: PUSH_KINDS, required: true },
    user_id: { type: Schema.Types.ObjectId, required: true }, // who gets the push
    message_id: { type: Schema.Types.ObjectId }, // kind 'message'
    label: { type: String }, // kind 'message': the message's receive_label
    text: { type: String }, // kind 'teaser' | 'joined'
    due_at: { type: Date, required: true },
    created_at: { type: Date, required: true, default: () => new Date() },
    claim_no: { type: Number },
    attempt: { type: Number },
    run_at: { type: Date },
  },
  { collection: 'push_jobs', versionKey: false },
);

pushJobSchema.index({ due_at: 1 }); // the worker's "what is due" scan; the promote job
pushJobSchema.index({ message_id: 1 }); // block_contacts, resend and the sweep: a message's jobs

export type PushJobFields = InferSchemaType<typeof pushJobSchema>;
export type PushJobDoc = HydratedDocument<PushJobFields>;
/** Pushes due later than SCHEDULE_AHEAD_MS when queued (see above). */
const pushScheduleSchema = pushJobSchema.clone();
pushJobSchema.plugin(encryptedFields, ENCRYPTED.pushJobs);
pushScheduleSchema.plugin(encryptedFields, ENCRYPTED.pushSchedule);
export const PushJob = model('PushJob', pushJobSchema);
export const PushSchedule = model('PushSchedule', pushScheduleSchema, 'push_schedule');

/**
 * Pushes due within this go straight into push_jobs; later ones wait in push_schedule.
 * The promote job runs every 5 s (WORKER_PROMOTE_CRON) and moves what is due within this
 * time, so a push is in push_jobs about 15 s before it is due even if two runs are missed.
 * Short, because push_jobs holds everything due within it: at 100 pushes due a second
 * that is 2,000 jobs, and each due read of the embedded database scans them all (75 ms).
 */
export const SCHEDULE_AHEAD_MS = 20_000;

/**
 * The due backlog: jobs due at `at` and not sent yet, over all workers (the web's /waiting
 * and the worker's gauge). Served by the {due_at: 1} index. A due push still in
 * push_schedule (the promote job has not run for minutes) is not counted.
 */
export function countDueJobs(at: Date) {
  return PushJob.countDocuments({ due_at: { $lte: at } });
}
