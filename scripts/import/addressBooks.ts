/**
 * A legacy address_book (one document per user, its contacts as JSON text that the iOS
 * body encoding often truncated) as our one-entry-per-number documents. The text is read
 * by the same tolerant parser as /upload_address_book. The "on Pictever" list and the
 * refresh flags are not imported: they are recomputed from the entries and the accounts.
 */
import type { ObjectId } from 'mongodb';
import type { AddressBookContact } from '../../src/domain/addressBook';
import { fail, idTime, ok, oid, str, type LegacyDoc, type Mapped } from './values';

export interface AddressBookMapContext {
  /** The project's tolerant address-book parser (drops what does not parse). */
  parseContacts: (text: string) => AddressBookContact[];
}

export interface AddressBookEntryDoc {
  _id: string;
  owner_id: ObjectId;
  tel: string;
  name: string;
  sent?: string;
  uploaded_at: Date;
}

export function mapAddressBook(d: LegacyDoc, ctx: AddressBookMapContext): Mapped<AddressBookEntryDoc[]> {
  const owner = oid(d.user_id);
  if (!owner) return fail('no user_id');
  const text = Array.isArray(d.all_contacts) ? JSON.stringify(d.all_contacts) : str(d.all_contacts);
  if (!text.trim()) return ok([]);
  let contacts: AddressBookContact[];
  try {
    contacts = ctx.parseContacts(text);
  } catch {
    return fail('all_contacts does not parse');
  }
  // The original kept no upload time; the document's creation time is the best we know.
  const uploadedAt = idTime(d._id) ?? new Date(0);
  const byId = new Map<string, AddressBookEntryDoc>();
  for (const c of contacts) {
    if (!c.tel) continue;
    const _id = `${owner.toHexString()}:${c.tel}`;
    const sent = c.sent === undefined ? {} : { sent: c.sent };
    if (!byId.has(_id))
      byId.set(_id, { _id, owner_id: owner, tel: c.tel, name: c.name, ...sent, uploaded_at: uploadedAt });
  }
  return ok([...byId.values()]);
}
