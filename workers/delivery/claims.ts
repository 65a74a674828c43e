/**
 * Who owns a push job, decided only by inserts into push_claims' _id (README
 * "Databases"): the insert of `${job}:${n}` that succeeds owns the job until its lease
 * ends; taking over an expired lease is the insert of `${job}:${n + 1}`, which again one
 * worker wins. n starts at the job's claim_no, which moves on only when a claim is taken
 * over or the job is rescheduled after a temporary error.
 *
 * The owner inserts a receipt (`${job}:${n}:done`) as soon as the provider gave its final
 * answer; a takeover reads it and settles the job without pushing again.
 *
 * A claimant re-reads the job after inserting: a job that finished (deleted) or moved on
 * meanwhile (stale candidate) is not taken, and its claim is given back. A finished job's
 * claim is removed right after the job, so push_claims stays as small as the live claims;
 * claims left by crashed workers or earlier attempts are removed by the cleanup job.
 * Writes are kept to the insert on the common path: on the embedded database every write
 * is slow and serialised.
 */
import type { Types } from 'mongoose';
import { insertIfAbsent } from '../../src/db/writeErrors';
import { PushClaim, claimId, receiptId, type PushClaimFields } from '../../src/models/pushClaim';
import { PushJob, type PushJobFields } from '../../src/models/pushJob';
import type { MessageState } from '../../src/models/message';
import type { Claim, JobRecord, PushRecord, Receipt } from './types';

export type { Claim, JobRecord, Receipt };

export interface ClaimSettings {
  workerId: string;
  leaseMs: number;
  now: () => number;
}

/** When the job may run: its due time, or later while backing off after an error. */
export function readyAt(job: Pick<PushJobFields, 'due_at' | 'run_at'>): number {
  return Math.max(job.due_at.getTime(), job.run_at?.getTime() ?? 0);
}

/** Inserts a push_claims document; false when its _id exists (the race was lost). */
function insertClaimDoc(doc: Omit<PushClaimFields, '_id'> & { _id: string }): Promise<boolean> {
  return insertIfAbsent(PushClaim.collection, doc as never);
}

function insertClaim(jobId: Types.ObjectId, n: number, s: ClaimSettings, leaseUntil: number) {
  return insertClaimDoc({
    _id: claimId(jobId, n),
    job_id: jobId,
    worker: s.workerId,
    lease_until: new Date(leaseUntil),
    created_at: new Date(s.now()),
  });
}

/** After winning `${job}:${n}`: take the job if it is still there, at this number, and due. */
async function takeJob(jobId: Types.ObjectId, n: number, s: ClaimSettings, leaseUntil: number) {
  const job = await PushJob.findById(jobId).lean<JobRecord>();
  const current = job?.claim_no ?? 0;
  if (!job || current > n || readyAt(job) > s.now()) {
    await PushClaim.deleteOne({ _id: claimId(jobId, n) });
    return undefined;
  }
  const takeover = current < n;
  let attempt = job.attempt ?? 0;
  let receipt: Receipt | undefined;
  if (takeover) {
    // The previous owner may have sent before dying: it counts as an attempt, unless its
    // receipt says how the push ended.
    receipt = await findReceipt(jobId, current, n);
    attempt += 1;
    await PushJob.updateOne({ _id: jobId }, { $set: { claim_no: n, attempt } });
  }
  return { job: { ...job, claim_no: n, attempt }, claimNo: n, leaseUntil, takeover, receipt };
}

/** The receipt of one of the claims numbered from..to-1 (a takeover follows one or few). */
async function findReceipt(jobId: Types.ObjectId, from: number, to: number): Promise<Receipt | undefined> {
  for (let k = to - 1; k >= from; k--) {
    const doc = await PushClaim.findById(receiptId(jobId, k)).lean();
    const r = doc?.receipt;
    if (r?.state && r.outcome && r.at) {
      return {
        state: r.state as MessageState,
        push: {
          outcome: r.outcome as PushRecord['outcome'],
          at: r.at,
          provider_id: r.provider_id ?? undefined,
          reason: r.reason ?? undefined,
          attempts: r.attempts ?? undefined,
        },
      };
    }
  }
  return undefined;
}

/**
 * Right after the provider's final answer: one insert, so that a worker taking the job
 * over (the record below it may be slow) does not push again. Idempotent.
 */
export async function insertReceipt(
  claim: Claim,
  receipt: Receipt,
  workerId: string,
  now: number,
): Promise<void> {
  // A duplicate is a retried insert that had landed.
  await insertClaimDoc({
    _id: receiptId(claim.job._id, claim.claimNo),
    job_id: claim.job._id,
    worker: workerId,
    lease_until: new Date(now), // for the cleanup job, should the job's removal not take it
    created_at: new Date(now),
    receipt: { state: receipt.state, ...receipt.push },
  });
}

/**
 * Removes finished jobs, then their claims and receipts (push_claims holds live claims
 * only). A late claimant then wins the freed claim number, finds no job and gives the
 * number back.
 */
export async function removeFinished(
  jobs: ReadonlyArray<readonly [jobId: string, claimNo: number]>,
): Promise<void> {
  await PushJob.deleteMany({ _id: { $in: jobs.map(([id]) => id) } });
  await PushClaim.deleteMany({
    _id: { $in: jobs.flatMap(([id, n]) => [claimId(id, n), receiptId(id, n)]) },
  });
}

/** How many expired claims in a row one attempt walks past (each was a dead owner). */
const MAX_EXPIRED_CHAIN = 16;

/**
 * Tries to own `candidate`. Returns the claim, or undefined when another worker holds a
 * live lease, won the race, or the job is gone or not due any more.
 *
 * Claim numbers are walked from the job's claim_no while the claim found has expired: a
 * worker that died between inserting a takeover claim and moving claim_no on left the
 * job at the old number with an expired claim above it.
 */
export async function claimJob(candidate: JobRecord, s: ClaimSettings): Promise<Claim | undefined> {
  const first = candidate.claim_no ?? 0;
  for (let n = first; n <= first + MAX_EXPIRED_CHAIN; n++) {
    const leaseUntil = s.now() + s.leaseMs;
    if (await insertClaim(candidate._id, n, s, leaseUntil)) return takeJob(candidate._id, n, s, leaseUntil);
    const held = await PushClaim.findById(claimId(candidate._id, n)).lean();
    if (!held || held.lease_until.getTime() > s.now()) return undefined; // given back, or live
  }
  return undefined;
}

/**
 * Right before sending: the lease must outlast the send (timeout plus a clock margin)
 * and no other worker may have taken the job over.
 */
export async function stillOurs(
  claim: Claim,
  sendTimeoutMs: number,
  marginMs: number,
  now: number,
): Promise<'ours' | 'expiring' | 'taken'> {
  const next = await PushClaim.findById(claimId(claim.job._id, claim.claimNo + 1)).lean();
  if (next !== null) return 'taken';
  return now + sendTimeoutMs + marginMs < claim.leaseUntil ? 'ours' : 'expiring';
}

/** Gives the job back unsent: the same claim number is free for the next claimant at once. */
export async function releaseClaim(claim: Claim): Promise<void> {
  await PushClaim.deleteOne({ _id: claimId(claim.job._id, claim.claimNo) });
}

/** The job is done: remove it with its claim and receipt (see removeFinished). */
export function finishJob(claim: Claim): Promise<void> {
  return removeFinished([[claim.job._id.toString(), claim.claimNo]]);
}

/** A temporary failure: try again at `runAt`, under the next claim number. */
export async function rescheduleJob(claim: Claim, attempt: number, runAt: number): Promise<void> {
  await PushJob.updateOne(
    { _id: claim.job._id },
    { $set: { attempt, run_at: new Date(runAt), claim_no: claim.claimNo + 1 } },
  );
}

/** Due jobs (and those due within `horizonMs`, to know when to wake), oldest first. */
export function findCandidates(now: number, horizonMs: number, limit: number): Promise<JobRecord[]> {
  const horizon = new Date(now + horizonMs);
  return PushJob.find({
    due_at: { $lte: horizon },
    $or: [{ run_at: { $exists: false } }, { run_at: { $lte: horizon } }],
  })
    .sort({ due_at: 1 })
    .limit(limit)
    .lean<JobRecord[]>()
    .exec();
}
