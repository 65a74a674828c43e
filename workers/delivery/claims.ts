/**
 * Stage 2, claim: who owns a push job is decided only by inserts into push_claims' _id
 * (README "Databases"). The insert of `${job}:${n}` that succeeds owns the job until its
 * lease ends; a batch of jobs is claimed with one unordered insert, each key decided on
 * its own. n is the job's claim_no, which moves on only when a claim is taken over or the
 * job is rescheduled after a temporary error.
 *
 * The common path is that one insert and nothing else: claims stay after their job is
 * done (src/models/pushClaim.ts), so a worker holding a stale copy of a finished job
 * loses the insert instead of pushing again. The rare path, a claim found taken whose
 * lease has expired (its owner died), is the insert of `${job}:${n + 1}`; its winner
 * re-reads the job and looks for its outcome before it pushes.
 */
import type { Types } from 'mongoose';
import { insertEachIfAbsent, insertIfAbsent } from '../../src/db/writeErrors';
import { PushClaim, claimId, type PushClaimFields } from '../../src/models/pushClaim';
import { PushJob } from '../../src/models/pushJob';
import { PushOutcome } from '../../src/models/pushOutcome';
import { readyAt } from './find';
import type { Claim, JobRecord } from './types';

export interface ClaimSettings {
  workerId: string;
  leaseMs: number;
  now: () => number;
}

type ClaimDoc = Omit<PushClaimFields, '_id'> & { _id: string };

function claimDoc(jobId: Types.ObjectId, n: number, s: ClaimSettings, leaseUntil: number): ClaimDoc {
  return {
    _id: claimId(jobId, n),
    job_id: jobId,
    worker: s.workerId,
    lease_until: new Date(leaseUntil),
    created_at: new Date(s.now()),
  };
}

/** Claims `jobs` at their current numbers in one insert: the claims won, and the jobs lost. */
export async function claimBatch(
  jobs: JobRecord[],
  s: ClaimSettings,
): Promise<{ claims: Claim[]; lost: JobRecord[] }> {
  const leaseUntil = s.now() + s.leaseMs;
  const won = await insertEachIfAbsent(
    PushClaim.collection,
    jobs.map((j) => claimDoc(j._id, j.claim_no ?? 0, s, leaseUntil) as never),
  );
  const claims: Claim[] = [];
  const lost: JobRecord[] = [];
  jobs.forEach((job, i) => {
    if (won[i]) claims.push({ job, claimNo: job.claim_no ?? 0, leaseUntil, takeover: false });
    else lost.push(job);
  });
  return { claims, lost };
}

/** What a look at a lost claim found. */
export type TakeoverResult =
  | { kind: 'claimed'; claim: Claim }
  /** A live owner holds it until `until` (epoch ms), or the job is gone or not due. */
  | { kind: 'held'; until: number };

/** How many expired claims in a row one attempt walks past (each was a dead owner). */
const MAX_EXPIRED_CHAIN = 16;

/**
 * For a job whose claim was found taken: if the owner's lease has expired, claims the
 * next number. Walks on while the claim found has expired: a worker that died between
 * inserting a takeover claim and moving claim_no on left an expired claim above it.
 */
export async function takeOver(candidate: JobRecord, s: ClaimSettings): Promise<TakeoverResult> {
  let n = candidate.claim_no ?? 0;
  for (let step = 0; step <= MAX_EXPIRED_CHAIN; step++) {
    const held = await PushClaim.findById(claimId(candidate._id, n)).lean();
    if (held && held.lease_until.getTime() > s.now())
      return { kind: 'held', until: held.lease_until.getTime() };
    const next = held ? n + 1 : n; // expired: the next number; given back: the same one
    const leaseUntil = s.now() + s.leaseMs;
    if (await insertIfAbsent(PushClaim.collection, claimDoc(candidate._id, next, s, leaseUntil) as never)) {
      const claim = await adopt(candidate._id, next, s, leaseUntil);
      return claim ? { kind: 'claimed', claim } : { kind: 'held', until: s.now() };
    }
    n = next; // another worker inserted it first: look at theirs
  }
  return { kind: 'held', until: s.now() };
}

/**
 * After winning `${job}:${n}` on the rare path: take the job if it is still queued at
 * this number and due. A previous owner may have pushed before dying: that counts as an
 * attempt, and if it recorded the outcome the job is only removed (`settled`).
 */
async function adopt(jobId: Types.ObjectId, n: number, s: ClaimSettings, leaseUntil: number) {
  const job = await PushJob.findById(jobId).lean<JobRecord>();
  const current = job?.claim_no ?? 0;
  if (!job || current > n) return undefined; // finished, or moved on: the claim expires unused
  if (readyAt(job) > s.now()) {
    await PushClaim.deleteOne({ _id: claimId(jobId, n) }); // its retry is waiting for this number
    return undefined;
  }
  if (current === n) return { job, claimNo: n, leaseUntil, takeover: false }; // n was given back
  if (await PushOutcome.exists({ _id: jobId.toHexString() })) {
    return { job, claimNo: n, leaseUntil, takeover: true, settled: true };
  }
  const attempt = (job.attempt ?? 0) + 1;
  await PushJob.updateOne({ _id: jobId }, { $set: { claim_no: n, attempt } });
  return { job: { ...job, claim_no: n, attempt }, claimNo: n, leaseUntil, takeover: true };
}

/**
 * Gives jobs back unsent: the same claim numbers are free for the next claimant at once.
 * One delete for all (a stopping worker gives back a batch; each delete scans push_claims
 * on the embedded database).
 */
export async function releaseClaims(claims: readonly Claim[]): Promise<void> {
  if (claims.length === 0) return;
  await PushClaim.deleteMany({ _id: { $in: claims.map((c) => claimId(c.job._id, c.claimNo)) } });
}

/** A temporary failure: try again at `runAt`, under the next claim number. */
export async function rescheduleJob(claim: Claim, attempt: number, runAt: number): Promise<void> {
  await PushJob.updateOne(
    { _id: claim.job._id },
    { $set: { attempt, run_at: new Date(runAt), claim_no: claim.claimNo + 1 } },
  );
}
