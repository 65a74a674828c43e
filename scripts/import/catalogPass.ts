/**
 * The catalog collections are small: read whole. The original's catalog replaces the
 * defaults seeded at our first start (mixing both would give overlapping label and tier
 * ranges), but only the defaults nobody edited: an operator's edits and additions stay.
 */
import type { Document, ObjectId } from 'mongodb';
import { SEED_RECEIVE_LABELS, SEED_SEND_CHOICES, SEED_STATUS_TIERS } from '../../src/services/catalog/seed';
import { insertIgnoringDuplicates, insertedIndexes } from './bulk';
import { mapReceiveLabel, mapSendChoice, mapStatusTiers } from './catalog';
import { TARGET, type PassDeps } from './passDeps';
import { addNote, newStats, recordSkip, type CollectionStats } from './report';
import { idText, type LegacyDoc, type Mapped } from './values';

type SeedDoc = Document & { _id: ObjectId };

interface CatalogKind {
  legacy: string;
  target: string;
  map: (docs: LegacyDoc[]) => Mapped<Record<string, unknown>>[];
  seeds: readonly SeedDoc[];
}

export const CATALOG_KINDS: CatalogKind[] = [
  {
    legacy: 'send_choice',
    target: TARGET.sendChoices,
    map: (d) => d.map(mapSendChoice),
    seeds: SEED_SEND_CHOICES,
  },
  {
    legacy: 'receive_label',
    target: TARGET.receiveLabels,
    map: (d) => d.map(mapReceiveLabel),
    seeds: SEED_RECEIVE_LABELS,
  },
  { legacy: 'status', target: TARGET.statusTiers, map: mapStatusTiers, seeds: SEED_STATUS_TIERS },
];

/** Content comparison that ignores key order and ObjectId instances. */
function canonical(doc: object | undefined): string {
  const entries = Object.entries(doc ?? {}).map(([k, v]): [string, unknown] => [
    k,
    v && typeof v === 'object' && !(v instanceof Date) ? idText(v) : v,
  ]);
  return JSON.stringify(entries.sort(([a], [b]) => String(a).localeCompare(String(b))));
}

/** The seeds still exactly as seeded in the target, by id. */
async function untouchedSeeds(deps: PassDeps, kind: CatalogKind): Promise<Map<string, SeedDoc>> {
  const existing = new Map<string, string>();
  for (const e of await deps.target.collection(kind.target).find({}).toArray()) {
    existing.set(idText(e._id), canonical(e));
  }
  return new Map(
    kind.seeds.filter((s) => existing.get(idText(s._id)) === canonical(s)).map((s) => [idText(s._id), s]),
  );
}

/** Removes or replaces the untouched seeds; returns the documents left to insert. */
async function replaceSeeds(deps: PassDeps, kind: CatalogKind, docs: Document[], stats: CollectionStats) {
  const untouched = await untouchedSeeds(deps, kind);
  const coll = deps.target.collection(kind.target);
  const legacyIds = new Set(docs.map((d) => idText(d._id)));
  const obsolete = [...untouched.values()].filter((s) => !legacyIds.has(idText(s._id))).map((s) => s._id);
  if (obsolete.length > 0) await coll.deleteMany({ _id: { $in: obsolete } });
  addNote(stats, 'unedited seeded defaults removed', undefined, obsolete.length);
  const rest: Document[] = [];
  for (const d of docs) {
    const seed = untouched.get(idText(d._id));
    if (!seed) rest.push(d);
    else if (canonical(seed) === canonical(d)) stats.present += 1;
    else {
      await coll.replaceOne({ _id: seed._id }, d);
      stats.inserted += 1;
    }
  }
  return rest;
}

async function importKind(deps: PassDeps, kind: CatalogKind): Promise<CollectionStats> {
  const stats = newStats(kind.legacy, kind.target);
  const docs = await deps.source.collection(kind.legacy).find({}).sort({ _id: 1 }).toArray();
  stats.read = docs.length;
  const good: Document[] = [];
  kind.map(docs).forEach((m, i) => {
    if (m.ok) good.push(m.value);
    else recordSkip(stats, idText(docs[i]?._id), m.reason);
  });
  stats.status = 'done';
  if (deps.dryRun) stats.inserted = good.length;
  if (deps.dryRun || good.length === 0) return stats;
  const rest = await replaceSeeds(deps, kind, good, stats);
  const outcome = await insertIgnoringDuplicates(deps.target.collection(kind.target), rest);
  stats.inserted += insertedIndexes(rest.length, outcome).length;
  stats.present += outcome.duplicates.size;
  for (const [i, reason] of outcome.failed) recordSkip(stats, idText(rest[i]?._id), reason);
  return stats;
}

export async function importCatalog(deps: PassDeps): Promise<CollectionStats[]> {
  const all: CollectionStats[] = [];
  for (const kind of CATALOG_KINDS) all.push(await importKind(deps, kind));
  return all;
}
