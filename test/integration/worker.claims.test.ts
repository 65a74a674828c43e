/**
 * Claims and leases on the real database, in-process with a settable clock: who owns a
 * push job, how a batch is claimed in one insert, how an expired lease is taken over,
 * and how a released or finished job behaves for a late claimant.
 */
import { Types } from 'mongoose';
import { PushClaim, PushJob, PushOutcome, claimId } from '../../src/models';
import {
  claimBatch,
  releaseClaims,
  rescheduleJob,
  takeOver,
  type ClaimSettings,
} from '../../workers/delivery/claims';
import { readyAt } from '../../workers/delivery/find';
import type { Claim, JobRecord } from '../../workers/delivery/types';
import { useTestDatabase } from '../helpers/db';

useTestDatabase();

let clock = Date.now();
const worker = (workerId: string): ClaimSettings => ({ workerId, leaseMs: 10_000, now: () => clock });

async function newJob(): Promise<JobRecord> {
  const job = await PushJob.create({
    kind: 'teaser',
    user_id: new Types.ObjectId(),
    text: 'hi',
    due_at: new Date(clock - 1000),
  });
  return job.toObject<JobRecord>();
}

/** As the loop does it: the batch insert, then, for a claim found taken, a look at it. */
async function claim(job: JobRecord, s: ClaimSettings): Promise<Claim | undefined> {
  const { claims } = await claimBatch([job], s);
  if (claims[0]) return claims[0];
  const r = await takeOver(job, s);
  return r.kind === 'claimed' ? r.claim : undefined;
}

/** What the recorder does for a finished job: outcome in, then the job out. */
async function finish(c: Claim): Promise<void> {
  await PushOutcome.create({
    _id: c.job._id.toHexString(),
    kind: c.job.kind,
    user_id: c.job.user_id,
    outcome: 'sent',
    attempts: 1,
    due_at: c.job.due_at,
    at: new Date(clock),
    worker: 'test',
  });
  await PushJob.deleteOne({ _id: c.job._id });
}

beforeEach(() => {
  clock = Date.now();
});

describe('push claims', () => {
  it('when a batch is claimed then one insert decides each job, and a second worker gets none of them', async () => {
    const jobs = await Promise.all([newJob(), newJob(), newJob()]);
    const a = await claimBatch(jobs, worker('a'));
    expect(a.claims.map((c) => c.claimNo)).toEqual([0, 0, 0]);
    const b = await claimBatch([...jobs, await newJob()], worker('b'));
    expect(b.claims).toHaveLength(1);
    expect(b.lost.map((j) => String(j._id))).toEqual(jobs.map((j) => String(j._id)));
    expect(await takeOver(jobs[0], worker('b'))).toEqual({ kind: 'held', until: a.claims[0]?.leaseUntil });
  });

  it('when many claimants race for one job then exactly one wins', async () => {
    const job = await newJob();
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => claim(job, worker(`w${i}`))));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await PushClaim.countDocuments({ job_id: job._id })).toBe(1);
  });

  it('when the lease expires then one other worker takes it over, counting an attempt', async () => {
    const job = await newJob();
    await claim(job, worker('a'));
    clock += 10_001;
    const [b, c] = await Promise.all([claim(job, worker('b')), claim(job, worker('c'))]);
    expect([b, c].filter(Boolean)).toHaveLength(1);
    expect(b ?? c).toMatchObject({ claimNo: 1, takeover: true, job: { attempt: 1 } });
    expect((b ?? c)!.settled).toBeUndefined();
    expect(await PushJob.findById(job._id).lean()).toMatchObject({ claim_no: 1, attempt: 1 });
  });

  it('when the dead owner had recorded the outcome then the takeover only settles the job', async () => {
    const job = await newJob();
    const a = (await claim(job, worker('a')))!;
    await PushOutcome.create({
      _id: job._id.toHexString(),
      kind: 'teaser',
      user_id: job.user_id,
      outcome: 'sent',
      attempts: 1,
      due_at: job.due_at,
      at: new Date(clock),
      worker: 'a',
    });
    expect(a.claimNo).toBe(0); // a died before removing the job
    clock += 10_001;
    expect(await claim(job, worker('b'))).toMatchObject({ claimNo: 1, takeover: true, settled: true });
  });

  it('when a worker died between its takeover claim and moving claim_no on then the next takeover walks past it', async () => {
    const job = await newJob();
    await claim(job, worker('a'));
    clock += 10_001;
    // b inserted claim 1 and died before updating the job: claim_no is still 0.
    await PushClaim.collection.insertOne({
      _id: claimId(job._id, 1) as never,
      job_id: job._id,
      worker: 'b',
      lease_until: new Date(clock + 10_000),
      created_at: new Date(clock),
    });
    expect(await claim(job, worker('c'))).toBeUndefined(); // b's lease still lives
    clock += 10_001;
    expect(await claim(job, worker('c'))).toMatchObject({ claimNo: 2, takeover: true });
    expect(await PushJob.findById(job._id).lean()).toMatchObject({ claim_no: 2 });
  });

  it('when a claim is released then the next worker claims the same number at once', async () => {
    const job = await newJob();
    const a = (await claim(job, worker('a')))!;
    await releaseClaims([a]);
    expect(await claim(job, worker('b'))).toMatchObject({ claimNo: 0, takeover: false });
  });

  it('when a job finished then a late claimant with a stale copy is refused, even after the old lease ended', async () => {
    const job = await newJob();
    await finish((await claim(job, worker('a')))!);
    expect(await claim(job, worker('b'))).toBeUndefined();
    clock += 20_000;
    expect(await claim(job, worker('c'))).toBeUndefined(); // the job is gone: nothing to own
    expect(await PushJob.findById(job._id)).toBeNull();
  });

  it('when a job was rescheduled then a stale copy is refused and the fresh one is claimed under the next number', async () => {
    const job = await newJob();
    const a = (await claim(job, worker('a')))!;
    await rescheduleJob(a, 1, clock + 5000);
    expect(await claim(job, worker('b'))).toBeUndefined(); // stale copy (claim_no 0): a's claim
    const fresh = (await PushJob.findById(job._id).lean()) as JobRecord;
    expect(readyAt(fresh)).toBe(clock + 5000); // the loop picks it from then on
    clock += 5000;
    expect(await claim(fresh, worker('b'))).toMatchObject({
      claimNo: 1,
      takeover: false,
      job: { attempt: 1 },
    });
  });
});
