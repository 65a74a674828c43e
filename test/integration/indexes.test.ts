/**
 * The index step on the real database (src/db/indexes.ts): what the embedded database
 * answers to a TTL index, the release's sync (create, replace, drop stale) and the
 * start-up check of the web and the worker with each MISSING_INDEXES mode.
 */
import mongoose from 'mongoose';
import { detectCapabilities } from '../../src/db/capabilities';
import { readIndexPlan, requireIndexes, syncIndexes } from '../../src/db/indexes';
import { captureLogger, testConfig } from '../helpers/app';
import { indexTestDatabase, testDatabaseUri } from '../helpers/db';

// As useTestDatabase, with command monitoring on: the check's round trips are counted.
beforeAll(async () => {
  mongoose.set('autoIndex', false);
  await mongoose.connect(testDatabaseUri(), { serverSelectionTimeoutMS: 5_000, monitorCommands: true });
  await indexTestDatabase();
});
afterAll(async () => {
  await mongoose.connection.dropDatabase();
  await mongoose.disconnect();
});

const db = () => mongoose.connection.db!;
const names = async (collection: string) =>
  (await db().collection(collection).listIndexes().toArray()).map((i) => String(i.name)).sort();
const messages = (lines: string[]) => lines.map((l) => (JSON.parse(l) as { msg: string }).msg);

describe('the embedded database', () => {
  it('when asked for a TTL index then it refuses it as not implemented, so sweeps stay there', async () => {
    const capabilities = await detectCapabilities(mongoose.connection);
    // A MONGODB_URI run: TTL indexes are used there.
    expect(capabilities.ttl).toBe(capabilities.server !== 'ferretdb');
    if (capabilities.ttl) return;
    await expect(
      db().collection('ttl_probe').createIndex({ at: 1 }, { expireAfterSeconds: 60 }),
    ).rejects.toMatchObject({
      code: 238,
      codeName: 'NotImplemented',
      message: 'Index option "expireAfterSeconds" is not implemented yet',
    });
  });

  it('when a test file starts then its database has exactly the declared indexes (the release step made them)', async () => {
    const { plan, declared } = await readIndexPlan(mongoose.connection, testConfig());
    expect(declared.length).toBeGreaterThan(30);
    expect(plan).toEqual({ missing: [], differing: [], stale: [] });
  });
});

describe('syncIndexes (the release)', () => {
  it('when indexes are missing and others declared by no model exist then it creates and drops them, _id_ and foreign collections untouched', async () => {
    await db().collection('users').dropIndex('email_1');
    await db().collection('users').createIndex({ legacy_field: 1 });
    await db().collection('push_outcomes').dropIndex('message_id_1_at_-1');
    await db().collection('legacy_things').createIndex({ owner: 1 });
    const { logger, logLines } = captureLogger('info');

    const { plan } = await syncIndexes(mongoose.connection, testConfig(), logger);

    expect(plan.stale.map((s) => `${s.collection}.${s.existing.name}`)).toEqual(['users.legacy_field_1']);
    expect(await names('users')).toContain('email_1');
    expect(await names('users')).not.toContain('legacy_field_1');
    expect(await names('users')).toContain('_id_');
    expect(await names('push_outcomes')).toContain('message_id_1_at_-1');
    expect(await names('legacy_things')).toEqual(['_id_', 'owner_1']);
    const email = (await db().collection('users').listIndexes().toArray()).find((i) => i.name === 'email_1');
    expect(email?.unique).toBe(true);
    expect(messages(logLines)).toEqual(
      expect.arrayContaining([
        'index dropped, declared by no model: users {legacy_field: 1} (legacy_field_1)',
        'index created: users {email: 1} unique',
        'index created: push_outcomes {message_id: 1, at: -1}',
      ]),
    );

    const again = await syncIndexes(mongoose.connection, testConfig(), logger);
    expect(again.plan).toEqual({ missing: [], differing: [], stale: [] });
  });
});

describe('syncIndexes replacing', () => {
  it('when an index has the declared key with other options then it is dropped and created as declared', async () => {
    await db().collection('users').dropIndex('email_1');
    await db().collection('users').createIndex({ email: 1 }); // not unique
    const { logger, logLines } = captureLogger('info');

    const { plan } = await syncIndexes(mongoose.connection, testConfig(), logger);

    expect(plan.differing.map((d) => d.existing.name)).toEqual(['email_1']);
    const email = (await db().collection('users').listIndexes().toArray()).find((i) => i.name === 'email_1');
    expect(email?.unique).toBe(true);
    expect(messages(logLines)).toContain(
      'index replaced, its options differ: users {email: 1} (email_1) becomes users {email: 1} unique',
    );
  });
});

describe('requireIndexes (web and worker start)', () => {
  afterEach(async () => {
    await syncIndexes(mongoose.connection, testConfig(), captureLogger('silent').logger);
  });

  it('when an index is missing and MISSING_INDEXES=fail then start-up fails naming it and the fix', async () => {
    await db().collection('sessions').dropIndex('user_id_1_login_addr_1_login_at_1');
    const { logger, logLines } = captureLogger('info');
    await expect(
      requireIndexes(mongoose.connection, testConfig({ MISSING_INDEXES: 'fail' }), logger),
    ).rejects.toThrow(
      '1 index(es) missing or different: sessions {user_id: 1, login_addr: 1, login_at: 1}; create them with the release (npm run release',
    );
    const error = logLines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.level === 50);
    expect(error).toMatchObject({
      collection: 'sessions',
      key: { user_id: 1, login_addr: 1, login_at: 1 },
      msg: expect.stringMatching(
        /^index missing: sessions \{user_id: 1, login_addr: 1, login_at: 1\}; create them/,
      ),
    });
    expect(await names('sessions')).not.toContain('user_id_1_login_addr_1_login_at_1');
  });

  it('when an index is missing and MISSING_INDEXES=warn then start-up goes on with the error logged', async () => {
    await db().collection('rate_hits').dropIndex('key_1_at_1');
    const { logger, logLines } = captureLogger('info');
    const { plan } = await requireIndexes(
      mongoose.connection,
      testConfig({ MISSING_INDEXES: 'warn' }),
      logger,
    );
    expect(plan.missing.map((s) => s.collection)).toEqual(['rate_hits']);
    expect(messages(logLines).some((m) => m.startsWith('index missing: rate_hits {key: 1, at: 1}'))).toBe(
      true,
    );
    expect(await names('rate_hits')).not.toContain('key_1_at_1');
  });

  it('when an index is missing outside production then it is created, and stale ones are left to the release', async () => {
    await db().collection('rate_hits').dropIndex('key_1_at_1');
    await db().collection('rate_hits').createIndex({ legacy: 1 });
    const { logger } = captureLogger('info');
    const config = testConfig();
    expect(config.MISSING_INDEXES).toBe('create');
    await requireIndexes(mongoose.connection, config, logger);
    expect(await names('rate_hits')).toEqual(expect.arrayContaining(['key_1_at_1', 'legacy_1']));
  });

  it('when nothing is missing then the check is one listIndexes per collection and no write', async () => {
    const commands: string[] = [];
    const client = mongoose.connection.getClient();
    const listen = (e: { commandName: string }) => commands.push(e.commandName);
    client.on('commandStarted', listen);
    try {
      await requireIndexes(
        mongoose.connection,
        testConfig({ MISSING_INDEXES: 'fail' }),
        captureLogger('silent').logger,
      );
    } finally {
      client.off('commandStarted', listen);
    }
    const collections = new Set(
      Object.values(mongoose.connection.models).map((m) => m.collection.collectionName),
    );
    expect(commands).toEqual(Array(collections.size).fill('listIndexes'));
  });
});
