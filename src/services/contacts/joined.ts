/**
 * "<name> joined Pictever!" (../shared/CONTRACT.md §3 upload_address_book, §5). When a user's address
 * book is new, each of their contacts who is on Pictever and has this user in their own
 * address book gets a push, with the name under which THAT contact saved this user, in
 * the contact's language. This is the original server's rule: both books must hold the
 * other's number.
 *
 * It needs the user's phone. A user who uploads before defining a phone number keeps the
 * book's joined_pending flag, and the pushes are queued when the number is defined.
 * Inserting JoinAnnouncement {_id: user} decides, race-free, that this happens once.
 * The pushes are PushJob documents; the worker delivers them.
 */
import type { Types } from 'mongoose';
import { ONE_BATCH } from '../../db/queries';
import { isDuplicateKey } from '../../db/writeErrors';
import { labelLanguage } from '../../domain/language';
import type { Logger } from '../../logger';
import { AddressBook, AddressBookEntry, JoinAnnouncement } from '../../models/addressBook';
import { PushJob } from '../../models/pushJob';
import { User } from '../../models/user';

export interface JoinedDeps {
  logger: Logger;
  now: () => Date;
}

export function joinedText(name: string, countryCode: string | null | undefined): string {
  return labelLanguage(countryCode) === 'fr' ? `${name} a rejoint Pictever!` : `${name} joined Pictever!`;
}

/** Contacts on Pictever who saved `phone` and whom the user saved too: push texts by user. */
async function mutualContacts(userId: Types.ObjectId, phone: string) {
  const holders = await AddressBookEntry.find({ tel: phone }, { owner_id: 1, name: 1 })
    .batchSize(ONE_BATCH)
    .lean();
  const named = new Map(
    holders
      .filter((h) => !h.owner_id.equals(userId) && h.name !== '')
      .map((h) => [h.owner_id.toHexString(), h.name]),
  );
  if (named.size === 0) return [];
  const users = await User.find(
    { _id: { $in: [...named.keys()] }, 'device.phone': { $exists: true } },
    { device: 1, country_code: 1 },
  )
    .batchSize(ONE_BATCH)
    .lean();
  const mine = await AddressBookEntry.find(
    { _id: { $in: users.map((u) => `${userId.toHexString()}:${u.device!.phone}`) } },
    { tel: 1 },
  )
    .batchSize(ONE_BATCH)
    .lean();
  const saved = new Set(mine.map((e) => e.tel));
  return users
    .filter((u) => saved.has(u.device!.phone))
    .map((u) => ({ user_id: u._id, text: joinedText(named.get(u._id.toHexString())!, u.country_code) }));
}

/** Queues the "joined" pushes if the user's book is new and they have a phone. */
export async function announceJoinedIfDue(deps: JoinedDeps, userId: Types.ObjectId): Promise<number> {
  const [book, user] = await Promise.all([
    AddressBook.findById(userId, { joined_pending: 1 }).lean(),
    User.findById(userId, { device: 1 }).lean(),
  ]);
  const phone = user?.device?.phone;
  if (!book?.joined_pending || !phone) return 0;
  const now = deps.now();
  try {
    await JoinAnnouncement.create({ _id: userId, at: now });
  } catch (err) {
    if (isDuplicateKey(err)) return 0; // another request is doing it, or did
    throw err;
  }
  const pushes = await mutualContacts(userId, phone);
  if (pushes.length > 0) {
    await PushJob.insertMany(
      pushes.map((p) => ({ kind: 'joined', user_id: p.user_id, text: p.text, due_at: now, created_at: now })),
    );
  }
  await AddressBook.updateOne({ _id: userId }, { $set: { joined_pending: false } });
  await JoinAnnouncement.updateOne({ _id: userId }, { $set: { pushes: pushes.length } });
  deps.logger.info({ userId: userId.toHexString(), pushes: pushes.length }, 'joined pushes queued');
  return pushes.length;
}
