/**
 * Contacts on Pictever (../shared/CONTRACT.md §3 upload_contacts, get_address_book). Both answer
 * "which of these numbers have an account" with a constant number of queries whatever the
 * list size: the numbers' PhoneOwner documents ($in on _id), then their users ($in on
 * _id). Identities are never disclosed: `email`, `facebook_id` and `facebook_name` are
 * always "", as in the original, so that nobody can map phone numbers to people by
 * uploading numbers (../shared/CONTRACT.md §3 upload_contacts).
 */
import type { Types } from 'mongoose';
import type { Config } from '../../config';
import { ONE_BATCH } from '../../db/queries';
import type { SentNumber } from '../../domain/phone';
import { AppError } from '../../errors';
import { AddressBook, AddressBookEntry } from '../../models/addressBook';
import { PhoneOwner } from '../../models/phoneOwner';
import { User } from '../../models/user';
import type { AddressBookItem, ContactItem } from '../../shapes';
import { chargeDailyQuotas } from '../messages/quotas';
import { statusNamer } from '../messages/status';

export interface ContactDeps {
  config: Config;
  now: () => Date;
}

interface Member {
  user_id: string;
  status: string;
}

/** What a contact item says of who the member is: nothing. */
const NO_IDENTITY = { email: '', facebook_id: '', facebook_name: '' } as const;

/** The accounts owning these numbers, by number, named in the viewer's language. */
async function membersByPhone(config: Config, viewerId: Types.ObjectId, phones: string[]) {
  const viewer = await User.findById(viewerId, { country_code: 1 }).lean();
  if (!viewer) throw AppError.unauthorized();
  const found = new Map<string, Member>();
  if (phones.length === 0) return found;
  const owners = await PhoneOwner.find({ _id: { $in: phones } }, { user_id: 1 })
    .batchSize(ONE_BATCH)
    .lean();
  if (owners.length === 0) return found;
  const [users, nameStatus] = await Promise.all([
    User.find({ _id: { $in: owners.map((o) => o.user_id) } }, { device: 1, status_rank: 1 })
      .batchSize(ONE_BATCH)
      .lean(),
    statusNamer(config, viewer.country_code),
  ]);
  const claims = new Set(owners.map((o) => `${o._id}:${o.user_id.toHexString()}`));
  for (const u of users) {
    const phone = u.device?.phone;
    // A number counts only while the owner's device still carries it (no stale claim).
    if (!phone || !claims.has(`${phone}:${u._id.toHexString()}`)) continue;
    found.set(phone, { user_id: u._id.toHexString(), status: nameStatus(u) });
  }
  return found;
}

/**
 * One item per number sent that has an account, in the order given, each as it was sent
 * (the apps find their contact by that string; domain/phone SentNumber). Every number
 * counts against the viewer's daily lookups (CONTACT_LOOKUPS_PER_DAY): the answer maps
 * numbers to accounts, which is what a harvester wants.
 */
export async function uploadContacts(deps: ContactDeps, viewerId: Types.ObjectId, numbers: SentNumber[]) {
  const phones = [...new Set(numbers.map((n) => n.phone))];
  await chargeDailyQuotas(deps.config, viewerId, { lookups: phones.length }, deps.now());
  const members = await membersByPhone(deps.config, viewerId, phones);
  return numbers.flatMap((n): ContactItem[] => {
    const m = members.get(n.phone);
    return m ? [{ phoneNumber1: n.sent, ...m, ...NO_IDENTITY }] : [];
  });
}

/**
 * The uploaded contacts that are on Pictever, computed at read time so that it reflects
 * the latest upload and the latest accounts. null when nothing was ever uploaded.
 */
export async function getAddressBook(deps: ContactDeps, viewerId: Types.ObjectId) {
  const entries = await AddressBookEntry.find({ owner_id: viewerId }, { tel: 1, name: 1, sent: 1 })
    .batchSize(ONE_BATCH)
    .lean();
  if (entries.length === 0 && !(await AddressBook.exists({ _id: viewerId }))) return null;
  const members = await membersByPhone(
    deps.config,
    viewerId,
    entries.map((e) => e.tel),
  );
  const items = entries.flatMap((e): AddressBookItem[] => {
    const m = members.get(e.tel);
    if (!m) return [];
    const phoneNumber1 = e.sent ?? e.tel; // as uploaded: the app matches its contacts on it
    return [{ name: e.name, phoneNumber1, user_id: m.user_id, status: m.status, ...NO_IDENTITY }];
  });
  return items.sort((a, b) => a.name.localeCompare(b.name) || a.phoneNumber1.localeCompare(b.phoneNumber1));
}
