/**
 * The state both legacy-import test files start from: a target that has started once
 * (seeded catalog, one default edited by the operator), the legacy world in a scratch
 * database, and a first complete import of it.
 */
import type { Db } from 'mongodb';
import { importLegacy } from '../../scripts/import/runner';
import type { ImportReport } from '../../scripts/import/report';
import { seedCatalog } from '../../src/services/catalog/seed';
import { useTestDatabase } from './db';
import { useScratchDatabases } from './legacyDb';
import { fill, world, type World } from './legacyWorld';

export const IMPORT_NOW = new Date('2025-06-01T12:00:00Z');
/** The lowest bcrypt cost: the tests check what is stored, not how slowly. */
export const IMPORT_BCRYPT_COST = 4;

export const statsOf = (r: ImportReport, name: string) => r.collections.find((c) => c.name === name)!;

export interface FirstImport {
  w: World;
  legacy: Db;
  first: ImportReport;
}

/** Registers the databases and a beforeAll running the first import; `firstImport()` inside tests. */
export function useFirstImport() {
  const testDb = useTestDatabase();
  const scratch = useScratchDatabases();
  const target = () => testDb.connection().db!;
  let state: FirstImport | undefined;
  beforeAll(async () => {
    await seedCatalog({ onlyEmpty: true });
    await target()
      .collection('send_choices')
      .updateOne({ order_id: 1 }, { $set: { send_label: 'Edited' } });
    const w = world();
    const legacy = scratch.db('legacy');
    await fill(legacy, w);
    const first = await importLegacy({
      source: legacy,
      target: target(),
      now: () => IMPORT_NOW,
      batchSize: 3,
      bcryptCost: IMPORT_BCRYPT_COST,
    });
    state = { w, legacy, first };
  });
  const firstImport = (): FirstImport => {
    if (!state) throw new Error('the first import runs in beforeAll');
    return state;
  };
  return { target, scratch, firstImport };
}
