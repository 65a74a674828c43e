import mongoose from 'mongoose';
import request from 'supertest';
import { type Db } from 'mongodb';
import { importLegacy } from '../../scripts/import/runner';
import { formatReport } from '../../scripts/import/report';
import { sha256 } from '../../scripts/lib/legacyData';
import { buildTestApp } from '../helpers/app';
import { IMPORT_BCRYPT_COST, IMPORT_NOW, statsOf, useFirstImport } from '../helpers/importFixtures';
import { snapshot } from '../helpers/legacyDb';
import type { World } from '../helpers/legacyWorld';

const { target, scratch, firstImport } = useFirstImport();
const NOW = IMPORT_NOW;
const stats = statsOf;
let w: World;
let legacy: Db;

beforeAll(() => {
  ({ w, legacy } = firstImport());
  expect(firstImport().first.interrupted).toBe(false);
});

describe('legacy import, run again', () => {
  it('when it runs a second time then everything is already present and nothing changes', async () => {
    const before = await snapshot(target());
    const second = await importLegacy({
      source: legacy,
      target: target(),
      now: () => new Date(),
      batchSize: 3,
      bcryptCost: IMPORT_BCRYPT_COST,
    });
    expect(stats(second, 'user')).toMatchObject({ read: 7, inserted: 0, present: 5, skipped: 2 });
    expect(stats(second, 'message')).toMatchObject({ read: 10, inserted: 0, present: 8, skipped: 2 });
    expect(stats(second, 'address_book')).toMatchObject({ inserted: 0, present: 1 });
    for (const name of ['send_choice', 'receive_label', 'status']) {
      expect(stats(second, name)).toMatchObject({ inserted: 0, skipped: 0 });
    }
    expect(await snapshot(target())).toEqual(before);
  });

  it('when a dry run is made then nothing is written and the same records are reported', async () => {
    const empty = scratch.db('dry');
    const dry = await importLegacy({
      source: legacy,
      target: empty,
      dryRun: true,
      now: () => NOW,
      bcryptCost: IMPORT_BCRYPT_COST,
    });
    expect(await empty.listCollections().toArray()).toEqual([]);
    expect(stats(dry, 'message')).toMatchObject({ read: 10, inserted: 8, skipped: 2 });
    expect(formatReport(dry)).toContain('dry run');
  });

  it('when an imported user logs in with the original password then it works, the stored hash unchanged', async () => {
    const { app } = buildTestApp();
    const beforeLogin = await mongoose.connection.db!.collection('users').findOne({ _id: w.alice._id });
    expect(beforeLogin?.password).toMatch(/^\$2[aby]\$/);
    const form = {
      email: 'alice+smith@example.com',
      password: w.alice.password_hash,
      os: 'android',
      reg_id: 'new-token',
    };
    await request(app)
      .post('/login')
      .type('form')
      .send(new URLSearchParams({ ...form, password: sha256('wrong') }).toString())
      .expect(401);
    const res = await request(app)
      .post('/login')
      .type('form')
      .send(new URLSearchParams(form).toString())
      .expect(200);
    expect(res.body.user_id).toBe(w.alice._id.toHexString());
    const stored = await mongoose.connection.db!.collection('users').findOne({ _id: w.alice._id });
    expect(stored?.password).toBe(beforeLogin?.password);
    expect(stored).not.toHaveProperty('legacy_password');
  });
});
