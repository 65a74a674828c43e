/**
 * Messages, their bottles, and the pushes still owed: every imported message that is
 * pending, not blocked and has a receiver gets a push job due at its delivery time, as
 * a message sent on this server would.
 */
import type { ObjectId } from 'mongodb';
import { insertIgnoringDuplicates, insertedIndexes } from './bulk';
import { bottlePhone, mapMessage, mayBeBottle, type MappedMessage } from './messages';
import { TARGET, type PassDeps } from './passDeps';
import { addNote, recordSkip, type CollectionStats } from './report';
import { streamPass, type BatchContext } from './stream';
import { bool, idText, type LegacyDoc } from './values';
import { SCHEDULE_AHEAD_MS } from '../../src/models/pushJob';
import { ENCRYPTED, encryptFields } from '../../src/crypto/fields';

/** The bottle documents of this batch's messages, by message id. */
async function bottlesOf(deps: PassDeps, batch: LegacyDoc[]): Promise<Map<string, LegacyDoc>> {
  const ids = batch.filter(mayBeBottle).map((d) => d._id);
  if (ids.length === 0) return new Map();
  // mongoengine stored references as ObjectIds; hand-made data may hold their hex text.
  const keys = [...ids, ...ids.map((id) => idText(id))];
  const found = await deps.source
    .collection('bottle')
    .find({ message_id: { $in: keys } })
    .toArray();
  return new Map(found.map((b) => [idText(b.message_id), b]));
}

/** The normalised number of each message's active bottle, by message id. */
function activeBottlePhones(deps: PassDeps, batch: LegacyDoc[], bottles: Map<string, LegacyDoc>) {
  const phones = new Map<string, string>();
  for (const d of batch) {
    const bottle = bottles.get(idText(d._id));
    if (!bottle || !bool(bottle.active, true)) continue;
    const phone = bottlePhone(d, bottle, deps.normalisePhone);
    if (phone) phones.set(idText(d._id), phone);
  }
  return phones;
}

/** Owners, in the target, of the numbers of active bottles (users are imported first). */
async function ownersOf(deps: PassDeps, phones: string[]): Promise<Map<string, ObjectId>> {
  if (phones.length === 0) return new Map();
  const found = await deps.target
    .collection<{ _id: string; user_id: ObjectId }>(TARGET.phoneOwners)
    .find({ _id: { $in: phones } })
    .toArray();
  return new Map(found.map((o) => [o._id, o.user_id]));
}

async function mapBatch(
  deps: PassDeps,
  batch: LegacyDoc[],
  stats: CollectionStats,
): Promise<MappedMessage[]> {
  const bottles = await bottlesOf(deps, batch);
  const phones = activeBottlePhones(deps, batch, bottles);
  const owners = await ownersOf(deps, [...new Set(phones.values())]);
  const mapped: MappedMessage[] = [];
  for (const d of batch) {
    const bottle = bottles.get(idText(d._id));
    const phone = phones.get(idText(d._id));
    const bottleOwner = phone === undefined ? undefined : owners.get(phone);
    const m = mapMessage(d, { bottle, bottleOwner, now: deps.now, normalisePhone: deps.normalisePhone });
    if (!m.ok) {
      recordSkip(stats, idText(d._id), m.reason);
      continue;
    }
    mapped.push(m.value);
    if (m.value.note) addNote(stats, m.value.note, idText(d._id));
    if (m.value.doc.receiver_id === null) addNote(stats, 'bottles (number without account yet)');
  }
  return mapped;
}

async function writeBatch(
  deps: PassDeps,
  mapped: MappedMessage[],
  ctx: BatchContext,
  stats: CollectionStats,
) {
  // Encrypted as the web stores them (src/crypto/fields.ts): nothing plain reaches the target.
  const cache = new Map<string, string>();
  const outcome = await insertIgnoringDuplicates(
    deps.target.collection(TARGET.messages),
    mapped.map((m) => encryptFields(deps.keyring, ENCRYPTED.messages, m.doc, cache)),
  );
  const inserted = insertedIndexes(mapped.length, outcome);
  stats.inserted += inserted.length;
  stats.present += outcome.duplicates.size;
  for (const [i, reason] of outcome.failed) recordSkip(stats, idText(mapped[i]?.doc._id), reason);
  // A message already present from the batch an interrupted run was writing may lack its job.
  const redo = [...outcome.duplicates].filter((i) => ctx.mayBeHalfWritten(mapped[i]?.doc._id));
  const jobs = [...inserted, ...redo].flatMap((i) => {
    const job = mapped[i]?.job;
    return job ? [job] : [];
  });
  // As the web queues them (src/services/pushes/queue.ts): later pushes wait in push_schedule.
  const soon = Date.now() + SCHEDULE_AHEAD_MS;
  for (const [collection, list] of [
    [TARGET.pushJobs, jobs.filter((j) => j.due_at.getTime() <= soon)],
    [TARGET.pushSchedule, jobs.filter((j) => j.due_at.getTime() > soon)],
  ] as const) {
    const jobOutcome = await insertIgnoringDuplicates(deps.target.collection(collection), list);
    addNote(stats, 'push jobs scheduled', undefined, insertedIndexes(list.length, jobOutcome).length);
    for (const [i, reason] of jobOutcome.failed)
      addNote(stats, `push job not stored (${reason})`, idText(list[i]?._id));
  }
}

export async function importMessages(deps: PassDeps, stats: CollectionStats): Promise<void> {
  await streamPass({
    ...deps,
    source: deps.source.collection('message'),
    checkpointName: 'message',
    stats,
    writeBatch: async (batch, ctx) => {
      const mapped = await mapBatch(deps, batch, stats);
      if (deps.dryRun) {
        stats.inserted += mapped.length;
        addNote(stats, 'push jobs to schedule', undefined, mapped.filter((m) => m.job).length);
      } else await writeBatch(deps, mapped, ctx, stats);
    },
  });
}
