/**
 * Users, with their current device and the ownership of its phone number, and their
 * passwords as bcrypt hashes (passwords.ts), computed only for users not yet imported. A number
 * claimed by two legacy users goes to the one whose platform_instance is newer (the
 * number's current holder); the other is imported without device and reported.
 */
import type { ObjectId } from 'mongodb';
import { insertIgnoringDuplicates, insertedIndexes } from './bulk';
import { TARGET, type PassDeps } from './passDeps';
import { hashPasswords } from './passwords';
import { addNote, recordSkip, type CollectionStats } from './report';
import { streamPass, type BatchContext } from './stream';
import { mapUser, type MappedUser } from './users';
import { idText, oid, type LegacyDoc } from './values';

interface Claim {
  userId: ObjectId;
  phone: string;
  claimedAt: Date;
}

async function currentInstances(deps: PassDeps, users: LegacyDoc[]): Promise<Map<string, LegacyDoc>> {
  const ids = users.map((u) => oid(u.platform_instance)).filter((id): id is ObjectId => id !== undefined);
  if (ids.length === 0) return new Map();
  const found = await deps.source
    .collection('platform_instance')
    .find({ _id: { $in: ids } })
    .toArray();
  return new Map(found.map((i) => [idText(i._id), i]));
}

/**
 * Ids of the batch's users already in the target (a re-run, or the batch an interrupted
 * run was writing). The batch is read in _id order, so one range query finds them, and
 * their passwords are not hashed again: bcrypt is what an import spends its time on.
 */
async function presentIds(deps: PassDeps, mapped: MappedUser[]): Promise<Set<string>> {
  const ids = mapped.map((u) => u.doc._id);
  if (ids.length === 0) return new Set();
  const [from, to] = [ids[0]!, ids[ids.length - 1]!];
  const found = await deps.target
    .collection(TARGET.users)
    .find({ _id: { $gte: from, $lte: to } }, { projection: { _id: 1 } })
    .toArray();
  const batch = new Set(ids.map(idText));
  return new Set(found.map((f) => idText(f._id)).filter((id) => batch.has(id)));
}

/** Users refused as duplicates although absent before: present meanwhile, or another account's email. */
async function sortDuplicates(deps: PassDeps, dups: MappedUser[], stats: CollectionStats) {
  const present = new Set<string>();
  if (dups.length > 0) {
    const ids = dups.map((u) => u.doc._id);
    const found = await deps.target
      .collection(TARGET.users)
      .find({ _id: { $in: ids } }, { projection: { _id: 1 } })
      .toArray();
    for (const f of found) present.add(idText(f._id));
  }
  for (const u of dups) {
    const id = idText(u.doc._id);
    if (present.has(id)) stats.present += 1;
    else recordSkip(stats, id, 'email already used by another account (after normalisation)');
  }
  return present;
}

/** The loser of a contested number keeps its account but loses its device. */
async function dropDevice(deps: PassDeps, userId: ObjectId, phone: string, stats: CollectionStats) {
  const res = await deps.target
    .collection(TARGET.users)
    .updateOne({ _id: userId, 'device.phone': phone }, { $unset: { device: '' } });
  if (res.modifiedCount === 0) return; // already dropped by an interrupted run
  const note = 'phone number claimed by a newer device of another user: imported without device';
  addNote(stats, note, idText(userId));
}

interface PhoneOwnerDoc {
  _id: string;
  user_id: ObjectId;
  claimed_at?: Date;
}

async function resolveConflicts(deps: PassDeps, refused: Claim[], stats: CollectionStats) {
  const owners = deps.target.collection<PhoneOwnerDoc>(TARGET.phoneOwners);
  for (const claim of refused) {
    // One at a time: two claims of one batch may contest the same number.
    const owner = await owners.findOne({ _id: claim.phone });
    if (!owner || idText(owner.user_id) === idText(claim.userId)) continue;
    if (claim.claimedAt.getTime() <= (owner.claimed_at?.getTime() ?? 0)) {
      await dropDevice(deps, claim.userId, claim.phone, stats);
      continue;
    }
    // Device first: a crash in between leaves the number to retake on the re-run, never
    // two devices with one number.
    await dropDevice(deps, owner.user_id, claim.phone, stats);
    await owners.updateOne(
      { _id: claim.phone, user_id: owner.user_id },
      { $set: { user_id: claim.userId, claimed_at: claim.claimedAt } },
    );
  }
}

async function claimPhones(deps: PassDeps, claims: Claim[], stats: CollectionStats) {
  const docs = claims.map((c) => ({ _id: c.phone, user_id: c.userId, claimed_at: c.claimedAt }));
  const outcome = await insertIgnoringDuplicates(deps.target.collection(TARGET.phoneOwners), docs);
  const refused = claims.filter((_c, i) => outcome.duplicates.has(i));
  for (const [i, reason] of outcome.failed)
    addNote(stats, `phone ownership not stored (${reason})`, idText(claims[i]?.userId));
  await resolveConflicts(deps, refused, stats);
}

function mapBatch(
  deps: PassDeps,
  batch: LegacyDoc[],
  instances: Map<string, LegacyDoc>,
  stats: CollectionStats,
  ranks: ReadonlyMap<string, number>,
) {
  const mapped: MappedUser[] = [];
  for (const d of batch) {
    const ref = d.platform_instance;
    const instance = ref ? instances.get(idText(ref)) : undefined;
    if (ref && !instance)
      addNote(stats, 'platform_instance not found: imported without device', idText(d._id));
    const m = mapUser(d, instance, { ...deps, ranks });
    if (!m.ok) recordSkip(stats, idText(d._id), m.reason);
    else {
      mapped.push(m.value);
      for (const note of m.value.notes) addNote(stats, note, idText(d._id));
    }
  }
  return mapped;
}

/**
 * The worker sends the no-phone reminder once per user, keyed `reminder:<user id>` in
 * job_runs: users the original already reminded get that key.
 */
async function markReminded(deps: PassDeps, users: MappedUser[]) {
  const keys = users
    .filter((u) => u.reminderSent)
    .map((u) => ({
      _id: `reminder:${idText(u.doc._id)}`,
      kind: 'reminder',
      worker: 'legacy-import',
      created_at: deps.now,
    }));
  await insertIgnoringDuplicates(deps.target.collection(TARGET.jobRuns), keys);
}

async function writeUsers(deps: PassDeps, mapped: MappedUser[], ctx: BatchContext, stats: CollectionStats) {
  const present = await presentIds(deps, mapped);
  stats.present += present.size;
  const fresh = mapped.filter((u) => !present.has(idText(u.doc._id)));
  await hashPasswords(fresh, deps.bcryptCost, deps.hashConcurrency);
  const outcome = await insertIgnoringDuplicates(
    deps.target.collection(TARGET.users),
    fresh.map((u) => u.doc),
  );
  const inserted = insertedIndexes(fresh.length, outcome).map((i) => fresh[i] as MappedUser);
  stats.inserted += inserted.length;
  for (const [i, reason] of outcome.failed) recordSkip(stats, idText(fresh[i]?.doc._id), reason);
  const dups = fresh.filter((_u, i) => outcome.duplicates.has(i));
  for (const id of await sortDuplicates(deps, dups, stats)) present.add(id);
  // Present users from the batch an interrupted run was writing may lack their phone ownership.
  const redo = mapped.filter((u) => present.has(idText(u.doc._id)) && ctx.mayBeHalfWritten(u.doc._id));
  const claims = [...inserted, ...redo].flatMap((u) => (u.phone ? [{ userId: u.doc._id, ...u.phone }] : []));
  await claimPhones(deps, claims, stats);
  await markReminded(deps, [...inserted, ...redo]);
}

export async function importUsers(
  deps: PassDeps,
  stats: CollectionStats,
  ranks: ReadonlyMap<string, number>,
) {
  await streamPass({
    ...deps,
    source: deps.source.collection('user'),
    checkpointName: 'user',
    stats,
    writeBatch: async (batch, ctx) => {
      const mapped = mapBatch(deps, batch, await currentInstances(deps, batch), stats, ranks);
      if (deps.dryRun) stats.inserted += mapped.length;
      else await writeUsers(deps, mapped, ctx, stats);
    },
  });
}
