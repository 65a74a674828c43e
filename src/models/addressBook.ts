/**
 * Uploaded address books.
 *
 * AddressBookEntry: one document per (owner, phone number) so that both questions asked
 * of them are index lookups: "which of my contacts are on Pictever" (owner_id) and "who
 * has this number in their address book" (tel) for teasers and "joined" pushes. The _id
 * `${owner_id}:${tel}` collapses duplicates and makes "does X have this number" an _id
 * lookup (teasers use it). The name is encrypted at rest (./encrypted.ts); the number is
 * not, since every lookup above is by number.
 *
 * AddressBook: one document per owner who ever uploaded ({_id: owner_id}). It tells
 * "uploaded an empty book" (get_address_book answers []) from "never uploaded" (empty
 * body), and its first insert is what makes a book "new" for the "joined" push.
 *
 * JoinAnnouncement: {_id: user_id} once the "<name> joined Pictever!" pushes for that user
 * were queued. Inserting it decides, race-free, that they are queued only once.
 */
import { Schema, model, type InferSchemaType } from 'mongoose';
import { ENCRYPTED } from '../crypto/fields';
import { encryptedFields } from './encrypted';

const addressBookEntrySchema = new Schema(
  {
    _id: { type: String, required: true }, // `${owner_id}:${tel}`
    owner_id: { type: Schema.Types.ObjectId, required: true },
    tel: { type: String, required: true }, // 00… form
    name: { type: String, default: '' },
    sent: { type: String }, // the number as uploaded, only when it differs from tel
    uploaded_at: { type: Date, required: true },
  },
  { collection: 'address_book_entries', versionKey: false },
);

addressBookEntrySchema.index({ owner_id: 1, tel: 1 }); // get_address_book, upload diff
addressBookEntrySchema.index({ tel: 1 }); // who has this number ("joined" pushes)
addressBookEntrySchema.plugin(encryptedFields, ENCRYPTED.addressBookEntries);

export type AddressBookEntryFields = InferSchemaType<typeof addressBookEntrySchema>;
export const AddressBookEntry = model('AddressBookEntry', addressBookEntrySchema);

const addressBookSchema = new Schema(
  {
    _id: { type: Schema.Types.ObjectId, required: true }, // the owner's user id
    first_uploaded_at: { type: Date, required: true },
    uploaded_at: { type: Date, required: true },
    entries: { type: Number, default: 0 },
    /** Set by the first upload; cleared once the "joined" pushes are queued. */
    joined_pending: { type: Boolean, default: false },
  },
  { collection: 'address_books', versionKey: false },
);

export const AddressBook = model('AddressBook', addressBookSchema);

const joinAnnouncementSchema = new Schema(
  {
    _id: { type: Schema.Types.ObjectId, required: true }, // the user who joined
    at: { type: Date, required: true },
    pushes: { type: Number, default: 0 },
  },
  { collection: 'joined_announcements', versionKey: false },
);

export const JoinAnnouncement = model('JoinAnnouncement', joinAnnouncementSchema);
