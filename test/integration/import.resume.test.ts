import bcrypt from 'bcrypt';
import { ObjectId, type Db } from 'mongodb';
import { CHECKPOINT_COLLECTION, type Checkpoint } from '../../scripts/import/checkpoints';
import { formatReport } from '../../scripts/import/report';
import { importLegacy } from '../../scripts/import/runner';
import { insertCatalog, legacyInstance, legacyMessage, legacyUser } from '../../scripts/lib/legacyData';
import { ENCRYPTED_COLLECTIONS, decryptFields } from '../../src/crypto/fields';
import { testKeyring } from '../helpers/dataKeys';
import { snapshot, useScratchDatabases } from '../helpers/legacyDb';
import { IMPORT_BCRYPT_COST } from '../helpers/importFixtures';

const scratch = useScratchDatabases();
const NOW = new Date('2025-06-01T12:00:00Z');
const BATCH = 5;

/** 12 users (every other one with a device, every third reminded) and 40 pending messages. */
async function fill(db: Db): Promise<void> {
  await insertCatalog(db);
  const users = Array.from({ length: 12 }, (_v, i) => legacyUser({ phone_mail_sent: i % 3 === 0 }));
  const instances = users
    .filter((_u, i) => i % 2 === 0)
    .map((u, i) => {
      const instance = legacyInstance(u._id, `00336000000${10 + i}`);
      u.platform_instance = instance._id;
      return instance;
    });
  const messages = Array.from({ length: 40 }, (_v, i) =>
    legacyMessage(users[i % 12]?._id as ObjectId, users[(i + 1) % 12]?._id as ObjectId, {
      notif_delivered: i % 4 === 0,
      delivery_time: new Date(Date.UTC(2030, 0, 1 + i)),
    }),
  );
  await db.collection('user').insertMany(users);
  await db.collection('platform_instance').insertMany(instances);
  await db.collection('message').insertMany(messages);
}

const stopAfter = (batches: number) => {
  let n = 0;
  return () => ++n >= batches;
};

const run = (source: Db, target: Db, shouldStop?: () => boolean) =>
  importLegacy({
    source,
    target,
    now: () => NOW,
    batchSize: BATCH,
    shouldStop,
    bcryptCost: IMPORT_BCRYPT_COST,
  });

/** Puts the checkpoint back before the last written batch, as if the run died while writing it. */
async function rewindLastBatch(source: Db, target: Db, name: string): Promise<ObjectId[]> {
  const checkpoints = target.collection<Checkpoint>(CHECKPOINT_COLLECTION);
  const cp = await checkpoints.findOne({ _id: name });
  const lastId = cp?.last_id as ObjectId;
  const recent = await source
    .collection(name)
    .find({ _id: { $lte: lastId } })
    .sort({ _id: -1 })
    .limit(BATCH + 1)
    .toArray();
  const batchIds = recent.slice(0, BATCH).map((d) => d._id);
  await checkpoints.updateOne({ _id: name }, { $set: { last_id: recent[BATCH]?._id, inflight_to: lastId } });
  return batchIds;
}

let legacy: Db;
let full: Db;

/**
 * A snapshot to compare two imports by: their bcrypt salts differ, so each password is
 * checked against its legacy hex and then replaced by what it was checked to be; their
 * encrypted values differ by their IVs, so each is replaced by what it decrypts to.
 */
async function comparable(db: Db) {
  const snap = await snapshot(db);
  for (const spec of ENCRYPTED_COLLECTIONS)
    for (const d of snap[spec.collection] ?? []) decryptFields(testKeyring(), spec, d);
  const legacyUsers = await legacy.collection('user').find({}).toArray();
  const hexOf = new Map(legacyUsers.map((u) => [String(u._id), String(u.password_hash)]));
  for (const u of snap.users ?? []) {
    expect(await bcrypt.compare(hexOf.get(String(u._id))!, String(u.password))).toBe(true);
    u.password = 'bcrypt(legacy hex)';
  }
  return snap;
}

beforeAll(async () => {
  legacy = scratch.db('legacy');
  await fill(legacy);
  full = scratch.db('full');
  const report = await run(legacy, full);
  expect(report.interrupted).toBe(false);
});

describe('legacy import, interrupted and resumed', () => {
  it('when stopped after a checkpoint then the re-run continues from it and ends like an uninterrupted run', async () => {
    const target = scratch.db('resumed');
    const stopped = await run(legacy, target, stopAfter(5)); // 3 batches of users, 2 of messages
    expect(stopped.interrupted).toBe(true);
    expect(formatReport(stopped)).toContain('INTERRUPTED');
    expect(await target.collection('messages').countDocuments()).toBe(2 * BATCH);
    const cp = await target.collection<Checkpoint>(CHECKPOINT_COLLECTION).findOne({ _id: 'message' });
    expect(cp).toMatchObject({ done: false });

    const resumed = await run(legacy, target);
    expect(resumed.interrupted).toBe(false);
    const users = resumed.collections.find((c) => c.name === 'user');
    const messages = resumed.collections.find((c) => c.name === 'message');
    expect(users?.status).toBe('done in an earlier run');
    expect(messages).toMatchObject({ status: 'done', read: 30, inserted: 30, present: 0 });
    expect(messages?.resumedAfter).toBe(String(cp?.last_id));
    expect(await target.collection(CHECKPOINT_COLLECTION).countDocuments()).toBe(0);
    expect(await comparable(target)).toEqual(await comparable(full));
  });

  it('when a run died after writing messages but before their push jobs then the re-run schedules them', async () => {
    const target = scratch.db('halfway');
    await run(legacy, target, stopAfter(5));
    const batchIds = await rewindLastBatch(legacy, target, 'message');
    let removed = 0;
    for (const queue of ['push_jobs', 'push_schedule'])
      removed += (await target.collection(queue).deleteMany({ message_id: { $in: batchIds } })).deletedCount;
    expect(removed).toBeGreaterThan(0);

    const resumed = await run(legacy, target);
    expect(resumed.collections.find((c) => c.name === 'message')).toMatchObject({ present: BATCH });
    expect(await comparable(target)).toEqual(await comparable(full));
  });

  it('when a run died after writing users but before their phone numbers then the re-run claims them', async () => {
    const target = scratch.db('halfusers');
    await run(legacy, target, stopAfter(2));
    const batchIds = await rewindLastBatch(legacy, target, 'user');
    const removed = await target.collection('phone_owners').deleteMany({ user_id: { $in: batchIds } });
    const keys = batchIds.map((id) => `reminder:${id.toHexString()}`);
    await target.collection<{ _id: string }>('job_runs').deleteMany({ _id: { $in: keys } });
    expect(removed.deletedCount).toBeGreaterThan(0);

    await run(legacy, target);
    expect(await comparable(target)).toEqual(await comparable(full));
  });

  it('when the complete import is run again then it reads everything and changes nothing', async () => {
    const before = await snapshot(full);
    const again = await run(legacy, full);
    expect(again.collections.find((c) => c.name === 'message')).toMatchObject({
      read: 40,
      inserted: 0,
      present: 40,
    });
    expect(await snapshot(full)).toEqual(before);
  });
});
