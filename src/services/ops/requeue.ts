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
 */
import { Types } from 'mongoose';
import { insertEachIfAbsent } from '../../db/writeErrors';
import { PushJob } from '../../models/pushJob';
import { PushOutcome, type PushOutcomeFields } from '../../models/pushOutcome';
import { PushRequeue } from '../../models/pushRequeue';
import { AppError } from '../../errors';
import { recordAction, type Actor } from './actions';

/** Failures one "Requeue all" takes, in pages of REQUEUE_PAGE. */
export const REQUEUE_ALL_MAX = 10_000;
const REQUEUE_PAGE = 200;

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
  if (!failure || (failure.outcome !== 'failed' && failure.outcome !== 'dead_token'))
    throw AppError.notFound(`no failed push with the id ${id}`);
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
  const counts: Record<RequeueState, number> = {
    requeued: 0,
    'queued already': 0,
    'delivered already': 0,
    'not requeueable': 0,
  };
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
  const summary = Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([state, n]) => `${n} ${state}`)
    .join(', ');
  await recordAction({
    at: now,
    by,
    action: 'requeue-all',
    target: reason === undefined ? 'every reason' : `reason "${reason}"`,
    result: found === 0 ? 'no failed push to requeue' : summary,
    ok: true,
  });
  return { reason, found, counts };
}
