/**
 * Uploaded address books, one document per (owner, phone number) so that both questions
 * asked of them are index lookups: "which of my contacts are on Pictever" (owner_id) and
 * "who has this number in their address book" (tel) for teasers and "joined" pushes.
 * The _id `${owner_id}:${tel}` collapses duplicate entries of one upload.
 */
import { Schema, model, type InferSchemaType } from 'mongoose';

const addressBookEntrySchema = new Schema(
  {
    _id: { type: String, required: true }, // `${owner_id}:${tel}`
    owner_id: { type: Schema.Types.ObjectId, required: true },
    tel: { type: String, required: true }, // 00… form
    name: { type: String, default: '' },
    uploaded_at: { type: Date, required: true },
  },
  { collection: 'address_book_entries', versionKey: false },
);

addressBookEntrySchema.index({ owner_id: 1, tel: 1 }); // get_address_book, teaser name lookup
addressBookEntrySchema.index({ tel: 1 }); // who has this number ("joined" pushes)

export type AddressBookEntryFields = InferSchemaType<typeof addressBookEntrySchema>;
export const AddressBookEntry = model('AddressBookEntry', addressBookEntrySchema);
