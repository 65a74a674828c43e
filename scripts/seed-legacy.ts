/**
 * Fills a database shaped like the original server's with synthetic data, to try and
 * measure `npm run import:legacy` at scale:
 *
 *   npx tsx scripts/seed-legacy.ts [--uri <mongodb uri of the database to fill>] [--messages N] [--users N]
 *
 * Without --uri it starts a fresh embedded database (FerretDB) in a temporary folder, fills
 * its `legacy` database, prints the URIs to use and keeps the database up until Ctrl-C,
 * which stops it and deletes the folder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MongoClient, type Db, type Document, type ObjectId } from 'mongodb';
import { startDevDb } from './lib/devdb';
import { withDatabase } from '../src/db/uri';
import {
  idAt,
  insertCatalog,
  legacyBottle,
  legacyInstance,
  legacyMessage,
  legacyUser,
} from './lib/legacyData';
import { DAY_MS } from '../src/domain/time';

const INSERT_CHUNK = 5_000;

interface Options {
  uri?: string;
  users: number;
  messages: number;
}

function parse(argv: string[]): Options {
  const o: Options = { users: 2_000, messages: 100_000 };
  for (let i = 0; i < argv.length; i += 2) {
    const value = argv[i + 1] ?? '';
    if (argv[i] === '--uri') o.uri = value;
    else if (argv[i] === '--users') o.users = Number(value);
    else if (argv[i] === '--messages') o.messages = Number(value);
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return o;
}

async function insertChunked(db: Db, name: string, docs: Document[]): Promise<void> {
  for (let i = 0; i < docs.length; i += INSERT_CHUNK) {
    await db.collection(name).insertMany(docs.slice(i, i + INSERT_CHUNK));
  }
}

/** Users, four in five with a device; every 200th device reuses a number (a conflict). */
async function seedUsers(db: Db, n: number): Promise<ObjectId[]> {
  const users: Document[] = [];
  const instances: Document[] = [];
  for (let i = 0; i < n; i++) {
    const created = new Date(Date.UTC(2014, 6, 1) + i * 3_600_000);
    const u = legacyUser({
      _id: idAt(created),
      created_at: created,
      phone_mail_sent: i % 5 === 4,
      status: i % 7 === 0 ? 'Time Traveler' : 'Newbie',
    });
    if (i % 5 !== 4) {
      const phone = `00336${String(i % 200 === 198 ? i - 1 : i).padStart(8, '0')}`;
      const instance = legacyInstance(u._id, phone, { os: i % 2 ? 'ios' : 'android' });
      u.platform_instance = instance._id;
      instances.push(instance);
    }
    users.push(u);
  }
  await insertChunked(db, 'user', users);
  await insertChunked(db, 'platform_instance', instances);
  return users.map((u) => u._id as ObjectId);
}

/** One message: mostly delivered, a fifth pending, some blocked, 1 in 20 a bottle, a few broken. */
function message(i: number, ids: ObjectId[]): { message: Document; bottle?: Document } {
  const sender = ids[i % ids.length] as ObjectId;
  const receiver = ids[(i * 7 + 1) % ids.length] as ObjectId;
  const created = new Date(Date.UTC(2014, 8, 1) + i * 60_000);
  const future = new Date(Date.now() + ((i % 300) + 1) * DAY_MS);
  const past = new Date(created.getTime() + 30 * DAY_MS);
  if (i % 20 === 0) {
    const b = legacyBottle(sender, `00447${String(i).padStart(9, '0')}`, {
      created_at: created,
      delivery_time: future,
    });
    if (i % 40 === 0) return b; // still waiting for its number's owner
    Object.assign(b.message, { receiver_id: receiver, is_blocked: false }); // claimed
    return { message: b.message, bottle: { ...b.bottle, active: false } };
  }
  const pending = i % 5 === 1;
  return {
    message: legacyMessage(sender, receiver, {
      created_at: created,
      delivery_time: pending ? future : past,
      notif_delivered: !pending,
      is_blocked: i % 50 === 3,
      ...(i % 10_000 === 7 ? { sender_id: null } : {}),
      ...(i % 2 === 0 ? { photo_id: `photo/${i}.jpg`, message: '' } : {}),
    }),
  };
}

async function seedMessages(db: Db, n: number, ids: ObjectId[]): Promise<void> {
  for (let start = 0; start < n; start += INSERT_CHUNK) {
    const made = Array.from({ length: Math.min(INSERT_CHUNK, n - start) }, (_v, k) =>
      message(start + k, ids),
    );
    await db.collection('message').insertMany(made.map((m) => m.message));
    const bottles = made.flatMap((m) => (m.bottle ? [m.bottle] : []));
    if (bottles.length > 0) await db.collection('bottle').insertMany(bottles);
    process.stderr.write(`messages ${Math.min(start + INSERT_CHUNK, n)}/${n}\n`);
  }
}

/** One address book in four users, 50 contacts each, as truncated JSON text now and then. */
async function seedAddressBooks(db: Db, ids: ObjectId[]): Promise<void> {
  const books = ids
    .filter((_id, i) => i % 4 === 0)
    .map((owner, b) => {
      const contacts = Array.from({ length: 50 }, (_v, k) => ({
        tel: `00336${String((b * 50 + k) % 3000).padStart(8, '0')}`,
        name: `Friend ${k}`,
      }));
      const text = JSON.stringify(contacts);
      return {
        user_id: owner,
        need_to_refresh: false,
        is_new: false,
        on_pictever: '[]',
        all_contacts: b % 10 === 0 ? text.slice(0, -40) : text,
      };
    });
  await insertChunked(db, 'address_book', books);
}

async function fill(db: Db, o: Options): Promise<void> {
  await insertCatalog(db);
  await db.collection('web_app').insertOne({
    web_app_url: 'http://pictever.herokuapp.com/',
    ios_version_needed: '2.0',
    android_version_needed: '1.1',
    bucket_name: 'pictever-media',
    aws_secret_key: 'not-printed',
  });
  const ids = await seedUsers(db, o.users);
  await seedMessages(db, o.messages, ids);
  await seedAddressBooks(db, ids);
}

async function main(): Promise<void> {
  const o = parse(process.argv.slice(2));
  const dir = o.uri ? undefined : mkdtempSync(path.join(os.tmpdir(), 'pictever-legacy-'));
  const devDb = dir ? await startDevDb({ dir, throwAway: true }) : undefined;
  const uri = o.uri ?? withDatabase(devDb?.uri ?? '', 'legacy');
  const client = await new MongoClient(uri).connect();
  const started = Date.now();
  await fill(client.db(), o);
  await client.close();
  process.stderr.write(`seeded in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  if (!devDb) return;
  process.stdout.write(`LEGACY_URI=${uri}\nTARGET_URI=${withDatabase(uri, 'pictever')}\n`);
  process.stderr.write('embedded database up; Ctrl-C to stop it\n');
  process.on('SIGINT', () => {
    void devDb.stop().then(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
      process.exit(0);
    });
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`seed-legacy failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
