/**
 * Who owns a push job, decided only by inserts into push_claims' _id (README
 * "Databases"): the insert of `${job}:${n}` that succeeds owns the job until its lease
 * ends; taking over an expired lease is the insert of `${job}:${n + 1}`, which again one
 * worker wins. n starts at the job's claim_no, which moves on only when a claim is taken
 * over or the job is rescheduled after a temporary error.
 *
 * A claimant re-reads the job after inserting: a job that finished (deleted) or moved on
 * meanwhile (stale candidate) is not taken. Finished jobs leave their claim behind (the
 * cleanup job removes old ones): a late claimant of the same number gets a duplicate key.
 * Writes are kept to the insert on the common path: on the embedded database every write
 * is slow and serialised.
 */
import type { Types } from 'mongoose';
import { PushClaim, claimId } from '../models/pushClaim';
import { PushJob, type PushJobFields } from '../models/pushJob';

export type JobRecord = PushJobFields & { _id: Types.ObjectId };

export interface Claim {
  job: JobRecord;
  claimNo: number;
  /** Epoch ms after which another worker may take the job over. */
  leaseUntil: number;
  /** This claim took over an expired lease (the previous owner may have sent). */
  takeover: boolean;
  /** Set right before the provider call: from then on the claim is never released. */
  sending?: boolean;
}

export interface ClaimSettings {
  workerId: string;
  leaseMs: number;
  now: () => number;
}

/** When the job may run: its due time, or later while backing off after an error. */
export function readyAt(job: Pick<PushJobFields, 'due_at' | 'run_at'>): number {
  return Math.max(job.due_at.getTime(), job.run_at?.getTime() ?? 0);
}

function isDuplicateKey(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 11000;
}

async function insertClaim(jobId: Types.ObjectId, n: number, s: ClaimSettings, leaseUntil: number) {
  try {
    await PushClaim.collection.insertOne({
      _id: claimId(jobId, n) as never,
      job_id: jobId,
      worker: s.workerId,
      lease_until: new Date(leaseUntil),
      created_at: new Date(s.now()),
    });
    return true;
  } catch (err) {
    if (isDuplicateKey(err)) return false;
    throw err;
  }
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
  if (takeover) {
    // The previous owner may have sent before dying: it counts as an attempt.
    attempt += 1;
    await PushJob.updateOne({ _id: jobId }, { $set: { claim_no: n, attempt } });
  }
  return { job: { ...job, claim_no: n, attempt }, claimNo: n, leaseUntil, takeover };
}

/**
 * Tries to own `candidate`. Returns the claim, or undefined when another worker holds a
 * live lease, won the race, or the job is gone or not due any more.
 */
export async function claimJob(candidate: JobRecord, s: ClaimSettings): Promise<Claim | undefined> {
  const first = candidate.claim_no ?? 0;
  for (const n of [first, first + 1]) {
    const leaseUntil = s.now() + s.leaseMs;
    if (await insertClaim(candidate._id, n, s, leaseUntil)) return takeJob(candidate._id, n, s, leaseUntil);
    if (n > first) return undefined; // another worker took it over first
    const held = await PushClaim.findById(claimId(candidate._id, n)).lean();
    if (!held || held.lease_until.getTime() > s.now()) return undefined;
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

/** The job is done: remove it (its claim stays, refusing late claimants, until cleanup). */
export async function finishJob(claim: Claim): Promise<void> {
  await PushJob.deleteOne({ _id: claim.job._id });
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
