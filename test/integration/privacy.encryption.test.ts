/**
 * Encryption at rest (README "Privacy"): what the database holds after the apps' own
 * requests, read with the driver; the models' plain view of it; and rotate-keys.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import mongoose, { Types } from 'mongoose';
import type { Db } from 'mongodb';
import { storedKeyId } from '../../src/crypto/codec';
import { installDataKeys } from '../../src/crypto/current';
import { ENCRYPTED_COLLECTIONS } from '../../src/crypto/fields';
import { newDataKey, parseDataKeys } from '../../src/crypto/keyring';
import { AddressBookEntry, Message, PushJob } from '../../src/models';
import { rotateKeys } from '../../src/services/privacy/rotateKeys';
import { people } from '../helpers/accountFixtures';
import { buildTestApp, type TestApp } from '../helpers/app';
import { installTestKeys, testDataKeys } from '../helpers/dataKeys';
import { useTestDatabase } from '../helpers/db';
import { androidBody } from '../helpers/factories';
import { seedTestCatalog, testClock } from '../helpers/messageFactories';

const db = useTestDatabase();
const clock = testClock();
let t: TestApp;
const { person, upload } = people(() => t.app, '0033652');
const WEEK_KEY = '53b95c02edb08c3d6885041c';
const raw = (): Db => mongoose.connection.db!;

beforeAll(async () => {
  await seedTestCatalog();
  t = buildTestApp({}, { now: clock.now });
});

afterEach(() => {
  installTestKeys(); // a rotation test installs other keys
});

/** Every document of every collection, as the driver reads it. */
async function wholeDatabase(): Promise<string> {
  const names = (await raw().listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
  const docs = await Promise.all(names.map((n) => raw().collection(n).find({}).toArray()));
  return JSON.stringify(docs);
}

/** How many stored values are under each key id ('plain': stored before encryption). */
async function valuesByKey(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const spec of ENCRYPTED_COLLECTIONS) {
    for (const doc of await raw().collection(spec.collection).find({}).toArray()) {
      for (const field of spec.fields) {
        const value: unknown = doc[field];
        if (typeof value !== 'string' || value === '') continue;
        const id = storedKeyId(value) ?? 'plain';
        counts[id] = (counts[id] ?? 0) + 1;
      }
    }
  }
  return counts;
}

describe('what the database holds', () => {
  const TEXT = 'meet me under the old oak at 42';
  const PHOTO = 'photos/alice/private-2025.jpg';

  it('when a user uploads a book and sends a message then no collection holds its text, media id or a contact name, and the apps read them as before', async () => {
    const alice = await person();
    const bob = await person();
    await upload(bob, [{ tel: alice.phone!, name: 'Alice Secretname' }]).expect(200);
    await upload(alice, [{ tel: bob.phone!, name: 'Bob Hiddenname' }]).expect(200); // "joined" push to Bob
    await androidBody(alice.agent.post('/send'), {
      message: TEXT,
      photo_id: PHOTO,
      receiver_ids: JSON.stringify([`id${bob.id}`, 'num0033652999999']),
      delivery_option: JSON.stringify({ type: WEEK_KEY }),
    }).expect(200); // a teaser to Bob, and a bottle
    const texts = (await PushJob.find({ user_id: bob.id }).lean()).map((j) => j.text).sort();
    expect(texts).toEqual([
      'Alice Secretname joined Pictever!',
      'Alice Secretname just sent you a message. You will receive it in a week!',
    ]);

    const stored = await wholeDatabase();
    for (const secret of [TEXT, 'old oak', PHOTO, 'private-2025', 'Secretname', 'Hiddenname'])
      expect(stored).not.toContain(secret);
    const messages = await Message.collection.find({ sender_id: new Types.ObjectId(alice.id) }).toArray();
    expect(messages).toHaveLength(2);
    for (const m of messages) {
      expect([storedKeyId(m.message as string), storedKeyId(m.photo_id as string)]).toEqual([
        'test1',
        'test1',
      ]);
      expect(m.video_id).toBe(''); // empty stays empty
    }

    clock.advance(8 * 86400);
    const received = await bob.agent.get('/receive_all?ts=0').expect(200);
    expect(received.body.new_messages).toEqual([
      expect.objectContaining({ from_id: alice.id, message: TEXT, photo_id: PHOTO, video_id: '' }),
    ]);
    const book = await alice.agent.get('/get_address_book').expect(200);
    expect((book.body as { name: string }[]).map((i) => i.name)).toEqual(['Bob Hiddenname']);
  });

  it('when the same text goes to many receivers then it is encrypted once per send, not once per receiver', async () => {
    const sender = await person();
    const receivers = await Promise.all([person(), person(), person()]);
    await androidBody(sender.agent.post('/send'), {
      message: 'to all of you',
      receiver_ids: JSON.stringify(receivers.map((r) => `id${r.id}`)),
    }).expect(200);
    const stored = await Message.collection.find({ sender_id: new Types.ObjectId(sender.id) }).toArray();
    expect(stored).toHaveLength(3);
    expect(new Set(stored.map((m) => m.message)).size).toBe(1);
    expect(storedKeyId(stored[0]!.message as string)).toBe('test1');
  });
});

describe('the models', () => {
  const sender = new Types.ObjectId();
  const message = (text: string) => ({
    sender_id: sender,
    message: text,
    created_at: new Date(),
    delivery_time: new Date(),
  });
  const storedText = async (id: unknown) =>
    (await Message.collection.findOne({ _id: id as Types.ObjectId }))?.message as string;

  it('when a message is created, saved, updated or bulk-written then it is stored encrypted and read back plain', async () => {
    const created = await Message.create(message('created'));
    expect(created.message).toBe('created'); // the caller's document stays plain
    expect(storedKeyId(await storedText(created._id))).toBe('test1');

    const found = await Message.findById(created._id);
    expect(found!.message).toBe('created');
    expect(found!.isModified('message')).toBe(false);
    const before = await storedText(created._id);
    found!.receive_label = 'relabelled';
    await found!.save();
    expect(await storedText(created._id)).toBe(before); // an unchanged text is not rewritten
    found!.message = 'edited';
    await found!.save();
    expect(found!.message).toBe('edited');
    expect(await storedText(created._id)).not.toBe(before);

    await Message.updateOne({ _id: created._id }, { $set: { message: 'updated' } });
    expect(storedKeyId(await storedText(created._id))).toBe('test1');
    const updated = await Message.findOneAndUpdate(
      { _id: created._id },
      { $set: { photo_id: 'p.jpg' } },
      { returnDocument: 'after' },
    ).lean();
    expect(updated).toMatchObject({ message: 'updated', photo_id: 'p.jpg' });

    const bulkId = new Types.ObjectId();
    await Message.bulkWrite([{ insertOne: { document: { _id: bulkId, ...message('bulk') } } }]);
    expect(storedKeyId(await storedText(bulkId))).toBe('test1');
    expect((await Message.findById(bulkId).lean())!.message).toBe('bulk');
  });

  it('when documents are read through a cursor or inserted lean then they are decrypted and encrypted too', async () => {
    const owner = new Types.ObjectId();
    const entry = (tel: string, name: string) => ({
      _id: `${owner.toHexString()}:${tel}`,
      owner_id: owner,
      tel,
      name,
      uploaded_at: new Date(),
    });
    await AddressBookEntry.insertMany([entry('0033600000001', 'Zoé'), entry('0033600000002', 'Yann')], {
      lean: true,
    });
    const stored = await AddressBookEntry.collection.find({ owner_id: owner }).toArray();
    expect(stored.map((e) => storedKeyId(e.name as string))).toEqual(['test1', 'test1']);
    const names: string[] = [];
    for await (const e of AddressBookEntry.find({ owner_id: owner }).lean().cursor()) names.push(e.name);
    expect(names.sort()).toEqual(['Yann', 'Zoé']);
  });

  it('when a query filters or sorts on an encrypted field then it is refused, since it could never match', async () => {
    await expect(Message.find({ message: 'created' }).lean()).rejects.toThrow(
      'messages.message is encrypted at rest: it cannot be used in a filter',
    );
    await expect(Message.countDocuments({ $or: [{ photo_id: 'p.jpg' }] })).rejects.toThrow(
      /messages.photo_id/,
    );
    await expect(AddressBookEntry.find({}).sort({ name: 1 })).rejects.toThrow(/cannot be sorted on/);
    await expect(Message.updateMany({}, { $rename: { message: 'text' } })).rejects.toThrow(
      /changed with \$rename/,
    );
  });

  it('when a value was stored before encryption then the model reads it as it is', async () => {
    const { insertedId } = await Message.collection.insertOne(message('written in 2015'));
    expect((await Message.findById(insertedId).lean())!.message).toBe('written in 2015');
  });
});

describe('rotate-keys', () => {
  it('when a value cannot be decrypted then rotation reports it by id and goes on', async () => {
    const foreign = parseDataKeys(newDataKey('gone'));
    installDataKeys(foreign);
    const [lost] = await Message.insertMany([{ ...baseMessage(), message: 'under a lost key' }]);
    installTestKeys();
    const keyring = parseDataKeys(`${newDataKey('k3')},${testDataKeys()}`);
    const report = await rotateKeys({ db: raw(), keyring, dryRun: true });
    expect(report.interrupted).toBe(false);
    expect(report.unreadable).toEqual([
      `messages ${lost!._id.toHexString()} message: cannot decrypt messages.message: key gone is not in DATA_KEYS (it holds k3, test1)`,
    ]);
    expect(report.collections[0]!.unreadable).toBe(1);
    expect(storedKeyId((await Message.collection.findOne({ _id: lost!._id }))!.message as string)).toBe(
      'gone',
    );
    await Message.collection.deleteOne({ _id: lost!._id });
  });

  it('when a new key is put first then values under the old one still read, and rotation moves every value under the new one, across an interruption', async () => {
    await Message.insertMany(['one', 'two', 'three'].map((text) => ({ ...baseMessage(), message: text })));
    await Message.collection.insertOne({ ...baseMessage(), message: 'plain from before' });
    const before = await valuesByKey();
    expect(before.test1).toBeGreaterThan(5);
    expect(before.plain).toBeGreaterThanOrEqual(1);
    const total = before.test1! + before.plain!;

    const rotated = parseDataKeys(`${newDataKey('k2')},${testDataKeys()}`);
    installDataKeys(rotated);
    const readBefore = (await Message.find({ sender_id: SENDER }).lean()).map((m) => m.message).sort();
    expect(readBefore).toEqual(['one', 'plain from before', 'three', 'two']);

    const stopped = await rotateKeys({ db: raw(), keyring: rotated, batchSize: 2, shouldStop: () => true });
    expect(stopped.interrupted).toBe(true);
    expect(stopped.collections).toEqual([expect.objectContaining({ collection: 'messages', scanned: 2 })]);
    const halfway = await valuesByKey();
    expect(halfway.k2).toBe(stopped.collections[0]!.rewritten);
    expect(halfway.k2).toBeGreaterThan(0);

    const dry = await rotateKeys({ db: raw(), keyring: rotated, dryRun: true });
    expect(await valuesByKey()).toEqual(halfway); // a dry run writes nothing
    const resumed = await rotateKeys({ db: raw(), keyring: rotated, batchSize: 2 });
    const rewritten = (r: typeof resumed) => r.collections.reduce((n, c) => n + c.rewritten, 0);
    expect(rewritten(resumed)).toBe(rewritten(dry));
    expect(resumed.interrupted).toBe(false);
    expect(resumed.collections.map((c) => c.collection)).toEqual(
      ENCRYPTED_COLLECTIONS.map((s) => s.collection),
    );
    expect(rewritten(stopped) + rewritten(resumed)).toBe(total);
    expect(await valuesByKey()).toEqual({ k2: total });
    expect(resumed.collections.reduce((n, c) => n + c.plain, 0) + stopped.collections[0]!.plain).toBe(
      before.plain,
    );

    const again = await rotateKeys({ db: raw(), keyring: rotated });
    expect(rewritten(again)).toBe(0);
    const k2 = `k2:${rotated.find('k2')!.key.toString('base64')}`;
    installDataKeys(parseDataKeys(k2)); // the old key removed
    const readAfter = (await Message.find({ sender_id: SENDER }).lean()).map((m) => m.message).sort();
    expect(readAfter).toEqual(readBefore);

    await rotateKeys({ db: raw(), keyring: parseDataKeys(`${testDataKeys()},${k2}`) }); // and back
    expect(await valuesByKey()).toEqual({ test1: total });
  });

  it('when the admin command runs with a new key first then it rotates, and a second run says the old keys may go', async () => {
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      MONGODB_URI: db.uri(),
      DATA_KEYS: `${newDataKey('k4')},${testDataKeys()}`,
    };
    const root = path.join(__dirname, '..', '..');
    const run = (...args: string[]) =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/admin.ts', 'rotate-keys', ...args], {
        env,
        cwd: root,
      });
    const first = await run('--batch-size', '50');
    expect(first.stdout).toMatch(/^messages +\d+ read, [1-9]\d* rewritten/m);
    expect(first.stdout).toContain('done: run it again');
    const second = await run();
    expect(second.stdout).toMatch(/^messages +\d+ read, 0 rewritten/m);
    expect(second.stdout).toContain('every value is under k4: the other keys may leave DATA_KEYS');
    expect(Object.keys(await valuesByKey())).toEqual(['k4']);
    await expect(run('--batch-size', '0')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--batch-size must be a whole number from 1 to 10000') as unknown,
    });
  });
});

const SENDER = new Types.ObjectId();
function baseMessage() {
  return { _id: new Types.ObjectId(), sender_id: SENDER, created_at: new Date(), delivery_time: new Date() };
}
