/**
 * Requeue failed pushes (README "Operating"): a failed push of a message gets a new push
 * job, due at its original time (so the worker sends it at once, and drops it if the
 * message was deleted, blocked or resent meanwhile: the job carries no label and the
 * worker reads the message, workers/delivery/load.ts).
 *
 * Each failure is requeued once, decided by the insert of its marker (push_requeues,
 * `_id` = the failure's outcome id) which names the new job's id before the job exists:
 *  - the marker is new: insert the job;
 *  - the marker exists: if the job has an outcome it was delivered (or failed again, a
 *    new failure to requeue); otherwise insert the job again, refused if it is queued.
 *    A job that was delivered and removed between the two reads would be queued again,
 *    but its first claim is still there (claims outlive their job by an hour): the
 *    worker that takes it over finds the outcome and drops it (workers/delivery/claims.ts).
 * Only message pushes are requeued: a teaser or "joined" text is not kept in its outcome.
 *
 * A failure is named by its push's id (the console's Requeue), or all the failures of one
 * message by the message's id (`admin requeue <id>`), or of one reason (Requeue all).
 */
import { Types } from 'mongoose';
import { isObjectIdHex } from '../../domain/objectId';
import { insertEachIfAbsent } from '../../db/writeErrors';
import { PushJob } from '../../models/pushJob';
import { PushOutcome, type PushOutcomeFields } from '../../models/pushOutcome';
import { PushRequeue } from '../../models/pushRequeue';
import { AppError } from '../../errors';
import { pushOutcomesOf } from '../pushes/outcomes';
import { recordAction, type Actor } from './actions';

/** Failures one "Requeue all" takes, in pages of REQUEUE_PAGE. */
export const REQUEUE_ALL_MAX = 10_000;
export const REQUEUE_PAGE = 200;

export type RequeueState = 'requeued' | 'queued already' | 'delivered already' | 'not requeueable';

export interface RequeueResult {
  id: string;
  state: RequeueState;
  job_id?: string;
}

type Failure = Pick<PushOutcomeFields, 'kind' | 'message_id' | 'user_id' | 'due_at' | 'outcome'> & {
  _id: string;
};

const requeueable = (f: Failure) => f.outcome === 'failed' && f.kind === 'message' && !!f.message_id;
const isFailure = (f: Pick<Failure, 'outcome'>) => f.outcome === 'failed' || f.outcome === 'dead_token';

const noCounts = (): Record<RequeueState, number> => ({
  requeued: 0,
  'queued already': 0,
  'delivered already': 0,
  'not requeueable': 0,
});

/** `2 requeued, 1 queued already`: the states that occurred. */
function summary(counts: Record<RequeueState, number>): string {
  return Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([state, n]) => `${n} ${state}`)
    .join(', ');
}

/** Requeues these failures; one marker insert and one job insert for them all. */
async function requeueFailures(failures: readonly Failure[], by: Actor, now: Date): Promise<RequeueResult[]> {
  const results = new Map<string, RequeueResult>();
  const ok = failures.filter(requeueable);
  for (const f of failures) if (!requeueable(f)) results.set(f._id, { id: f._id, state: 'not requeueable' });
  const markers = ok.map((f) => ({ _id: f._id, job_id: new Types.ObjectId(), by, at: now }));
  const fresh = await insertEachIfAbsent(PushRequeue.collection, markers as never[]);
  // Markers there already: the jobs they name, and which of those have an outcome (one
  // read each for the whole batch; usually none).
  const known = markers.filter((_, i) => !fresh[i]).map((m) => m._id);
  const earlier = new Map(
    known.length === 0
      ? []
      : (await PushRequeue.find({ _id: { $in: known } }, { job_id: 1 }).lean()).map((m) => [m._id, m.job_id]),
  );
  const jobIds = markers.map((m, i) => (fresh[i] ? m.job_id : (earlier.get(m._id) ?? m.job_id)));
  const settledIds = jobIds.filter((_, i) => !fresh[i]).map((id) => id.toHexString());
  const settled = new Set(
    settledIds.length === 0
      ? []
      : (await PushOutcome.find({ _id: { $in: settledIds } }, { _id: 1 }).lean()).map((o) => o._id),
  );
  const delivered = jobIds.map((id) => settled.has(id.toHexString()));
  const toInsert = ok.flatMap((f, i) =>
    delivered[i]
      ? []
      : [
          {
            _id: jobIds[i]!,
            kind: 'message',
            user_id: f.user_id,
            message_id: f.message_id,
            due_at: f.due_at,
            created_at: now,
          },
        ],
  );
  const inserted = await insertEachIfAbsent(PushJob.collection, toInsert as never[]);
  let j = 0;
  ok.forEach((f, i) => {
    const job_id = jobIds[i]!.toHexString();
    if (delivered[i]) results.set(f._id, { id: f._id, state: 'delivered already', job_id });
    else results.set(f._id, { id: f._id, state: inserted[j++] ? 'requeued' : 'queued already', job_id });
  });
  return failures.map((f) => results.get(f._id)!);
}

const FAILURE_FIELDS = { kind: 1, message_id: 1, user_id: 1, due_at: 1, outcome: 1 } as const;

/** Requeues one failed push, by its id (the failed push job's id, as listed). */
export async function requeueOne(id: string, by: Actor, now: Date): Promise<RequeueResult> {
  const failure = await PushOutcome.findById(id, FAILURE_FIELDS).lean<Failure>();
  if (!failure || !isFailure(failure)) throw AppError.notFound(`no failed push with the id ${id}`);
  const [result] = await requeueFailures([failure], by, now);
  await recordAction({
    at: now,
    by,
    action: 'requeue',
    target: `push ${id}${failure.message_id ? ` (message ${failure.message_id.toHexString()})` : ''}`,
    result: result!.state + (result!.job_id ? `: job ${result!.job_id}` : ''),
    ok: result!.state !== 'not requeueable',
  });
  return result!;
}

export interface RequeueAllResult {
  reason?: string;
  found: number;
  counts: Record<RequeueState, number>;
}

/**
 * Requeues every failed push of one reason, or of any reason when `reason` is undefined
 * (the newest REQUEUE_ALL_MAX), page by page newest first; `progress` is told after each
 * page.
 */
export async function requeueByReason(
  reason: string | undefined,
  by: Actor,
  now: Date,
  progress: (done: number) => void = () => {},
): Promise<RequeueAllResult> {
  const counts = noCounts();
  let found = 0;
  let before: Date | undefined;
  // Pages go back in time from the last one's oldest `at`, included (outcomes recorded in
  // one batch share it); the failures seen already are skipped.
  const seen = new Set<string>();
  while (found < REQUEUE_ALL_MAX) {
    const page = await PushOutcome.find(
      {
        ...(reason === undefined ? {} : { reason }),
        outcome: 'failed',
        ...(before ? { at: { $lte: before } } : {}),
      },
      { ...FAILURE_FIELDS, at: 1 },
    )
      .sort({ at: -1 })
      .limit(REQUEUE_PAGE)
      .lean<(Failure & { at: Date })[]>();
    const fresh = page.filter((f) => !seen.has(f._id)).slice(0, REQUEUE_ALL_MAX - found);
    if (fresh.length === 0) break;
    for (const f of fresh) seen.add(f._id);
    for (const r of await requeueFailures(fresh, by, now)) counts[r.state] += 1;
    found += fresh.length;
    progress(found);
    if (page.length < REQUEUE_PAGE) break;
    before = page[page.length - 1]!.at;
  }
  await recordAction({
    at: now,
    by,
    action: 'requeue-all',
    target: reason === undefined ? 'every reason' : `reason "${reason}"`,
    result: found === 0 ? 'no failed push to requeue' : summary(counts),
    ok: true,
  });
  return { reason, found, counts };
}

/** The failed and dead-token pushes of one message (one per delivery), newest first. */
async function failuresOfMessage(messageId: string): Promise<Failure[]> {
  if (!isObjectIdHex(messageId)) return [];
  return (await pushOutcomesOf(new Types.ObjectId(messageId))).filter(isFailure);
}

export interface RequeueMessageResult {
  message_id: string;
  /** One per failed push of the message, newest first. */
  results: RequeueResult[];
  counts: Record<RequeueState, number>;
}

async function requeueMessageFailures(
  messageId: string,
  failures: readonly Failure[],
  by: Actor,
  now: Date,
): Promise<RequeueMessageResult> {
  const results = await requeueFailures(failures, by, now);
  const counts = noCounts();
  for (const r of results) counts[r.state] += 1;
  await recordAction({
    at: now,
    by,
    action: 'requeue',
    target: `message ${messageId}`,
    result: summary(counts),
    ok: counts['not requeueable'] < results.length,
  });
  return { message_id: messageId, results, counts };
}

/**
 * Requeues the failed pushes of one message, by the message's id (read by the
 * {message_id, at} index of push_outcomes): a resent message may have one per delivery.
 */
export async function requeueMessage(messageId: string, by: Actor, now: Date): Promise<RequeueMessageResult> {
  const failures = await failuresOfMessage(messageId);
  if (failures.length === 0) throw AppError.notFound(`no failed push of a message with the id ${messageId}`);
  return requeueMessageFailures(messageId, failures, by, now);
}

export type RequeueByIdResult = { push_id: string; results: RequeueResult[] } | RequeueMessageResult;

/**
 * Requeues by an id that names a failed push (as listed) or else a message (as the apps
 * and the support know it): push ids and message ids are both ObjectIds, never equal.
 */
export async function requeueById(id: string, by: Actor, now: Date): Promise<RequeueByIdResult> {
  if (await PushOutcome.exists({ _id: id, outcome: { $in: ['failed', 'dead_token'] } }))
    return { push_id: id, results: [await requeueOne(id, by, now)] };
  const failures = await failuresOfMessage(id);
  if (failures.length === 0)
    throw AppError.notFound(`no failed push, nor a message with failed pushes, with the id ${id}`);
  return requeueMessageFailures(id, failures, by, now);
}
