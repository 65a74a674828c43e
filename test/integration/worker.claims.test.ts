/**
 * Claims and leases on the real database, in-process with a settable clock: who owns a
 * push job, how an expired lease is taken over, and how a released or finished job
 * behaves for a late claimant.
 */
import { Types } from 'mongoose';
import { PushClaim, PushJob, claimId } from '../../src/models';
import {
  claimJob,
  finishJob,
  releaseClaim,
  rescheduleJob,
  stillOurs,
  type JobRecord,
} from '../../workers/delivery/claims';
import { useTestDatabase } from '../helpers/db';

useTestDatabase();

let clock = Date.now();
const worker = (workerId: string) => ({ workerId, leaseMs: 10_000, now: () => clock });

async function newJob(): Promise<JobRecord> {
  const job = await PushJob.create({
    kind: 'teaser',
    user_id: new Types.ObjectId(),
    text: 'hi',
    due_at: new Date(clock - 1000),
  });
  return job.toObject<JobRecord>();
}

beforeEach(() => {
  clock = Date.now();
});

describe('push claims', () => {
  it('when a job is claimed then a second worker is refused while the lease lives', async () => {
    const job = await newJob();
    const a = await claimJob(job, worker('a'));
    expect(a).toMatchObject({ claimNo: 0, takeover: false });
    expect(await claimJob(job, worker('b'))).toBeUndefined();
    expect(await stillOurs(a!, 1000, 100, clock)).toBe('ours');
  });

  it('when many claimants race for one job then exactly one wins', async () => {
    const job = await newJob();
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => claimJob(job, worker(`w${i}`))));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await PushClaim.countDocuments({ job_id: job._id })).toBe(1);
  });

  it('when the lease expires then one other worker takes it over and the first may not send', async () => {
    const job = await newJob();
    const a = (await claimJob(job, worker('a')))!;
    clock += 10_001;
    const [b, c] = await Promise.all([claimJob(job, worker('b')), claimJob(job, worker('c'))]);
    const winner = b ?? c;
    expect([b, c].filter(Boolean)).toHaveLength(1);
    expect(winner).toMatchObject({ claimNo: 1, takeover: true, job: { attempt: 1 } });
    expect(await stillOurs(a, 1000, 100, clock)).toBe('taken');
    expect(await PushJob.findById(job._id).lean()).toMatchObject({ claim_no: 1, attempt: 1 });
  });

  it('when a worker died between its takeover claim and moving claim_no on then the next takeover walks past it', async () => {
    const job = await newJob();
    await claimJob(job, worker('a'));
    clock += 10_001;
    // b inserted claim 1 and died before updating the job: claim_no is still 0.
    await PushClaim.collection.insertOne({
      _id: claimId(job._id, 1) as never,
      job_id: job._id,
      worker: 'b',
      lease_until: new Date(clock + 10_000),
      created_at: new Date(clock),
    });
    expect(await claimJob(job, worker('c'))).toBeUndefined(); // b's lease still lives
    clock += 10_001;
    const c = await claimJob(job, worker('c'));
    expect(c).toMatchObject({ claimNo: 2, takeover: true });
    expect(await PushJob.findById(job._id).lean()).toMatchObject({ claim_no: 2 });
  });

  it('when too little lease is left for a send then the owner does not send', async () => {
    const job = await newJob();
    const a = (await claimJob(job, worker('a')))!;
    clock += 9_000;
    expect(await stillOurs(a, 1000, 100, clock)).toBe('expiring');
  });

  it('when a claim is released then the next worker claims the same number at once', async () => {
    const job = await newJob();
    const a = (await claimJob(job, worker('a')))!;
    await releaseClaim(a);
    const b = await claimJob(job, worker('b'));
    expect(b).toMatchObject({ claimNo: 0, takeover: false });
  });

  it('when a job finished then a late claimant is refused, even after the old lease ended', async () => {
    const job = await newJob();
    const a = (await claimJob(job, worker('a')))!;
    await finishJob(a);
    expect(await claimJob(job, worker('b'))).toBeUndefined();
    clock += 20_000;
    expect(await claimJob(job, worker('c'))).toBeUndefined();
    expect(await PushClaim.findById(claimId(job._id, 1))).toBeNull(); // the takeover insert was undone
  });

  it('when a job was rescheduled then a stale claimant waits for its retry time', async () => {
    const job = await newJob();
    const a = (await claimJob(job, worker('a')))!;
    await rescheduleJob(a, 1, clock + 5000);
    expect(await claimJob(job, worker('b'))).toBeUndefined(); // stale candidate (claim_no 0)
    const fresh = (await PushJob.findById(job._id).lean()) as JobRecord;
    expect(await claimJob(fresh, worker('b'))).toBeUndefined(); // not due yet
    clock += 5000;
    expect(await claimJob(fresh, worker('b'))).toMatchObject({
      claimNo: 1,
      takeover: false,
      job: { attempt: 1 },
    });
  });
});
