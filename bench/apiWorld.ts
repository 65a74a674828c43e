/**
 * The small database of the API comparison: a receiver with 50 due messages from 20
 * senders (/receive_all), a sender and a receiver for /send, 20 accounts to log in with,
 * and the default catalog. Small on purpose: the database's share of each request stays
 * low, so the servers' own overhead shows.
 */
import type { Db } from 'mongodb';
import { seedCatalog } from '../src/services/catalog/seed';
import { insertAll, insertUsers, messageDoc, userDocs, type UserDoc } from './seed';
import { DAY_MS } from '../src/domain/time';

export interface ApiWorld {
  receiver: UserDoc;
  alice: UserDoc;
  bob: UserDoc;
  /** The receiver's senders, who also send to bob in the /send row (one connection each). */
  senders: UserDoc[];
  logins: UserDoc[];
}

export async function seedApiWorld(db: Db, dueMessages = 50, senderCount = 20): Promise<ApiWorld> {
  await seedCatalog({ onlyEmpty: true });
  const senders = await userDocs(senderCount, 'sender');
  const [receiver, alice, bob] = await userDocs(3, 'person');
  const logins = await userDocs(20, 'login');
  await insertUsers(db, [...senders, receiver!, alice!, bob!, ...logins], 'api world');
  const now = Date.now();
  const messages = Array.from({ length: dueMessages }, (_, i) => {
    const delivery = new Date(now - (i + 1) * (DAY_MS / 4));
    return messageDoc({
      sender: senders[i % senderCount]!._id,
      receiver: receiver!._id,
      createdAt: new Date(delivery.getTime() - 30 * DAY_MS),
      delivery,
      state: 'delivered',
    });
  });
  await insertAll(db, 'messages', messages, 'api world: messages');
  return { receiver: receiver!, alice: alice!, bob: bob!, senders, logins };
}

/** Removes what a /send run stored, so that every run starts from the same database. */
export async function cleanupSends(db: Db, w: ApiWorld): Promise<void> {
  await db.collection('messages').deleteMany({ receiver_id: w.bob._id });
  await db.collection('push_jobs').deleteMany({ user_id: w.bob._id });
  await db.collection('send_dedup').deleteMany({});
}

/** Removes what a /login run stored: rate-limit hits and the sessions it created. */
export async function cleanupLogins(db: Db, keepSessions: unknown[]): Promise<void> {
  await db.collection('rate_hits').deleteMany({});
  await db.collection('sessions').deleteMany({ _id: { $nin: keepSessions } } as never);
}
