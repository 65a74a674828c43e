/**
 * Who owns a phone number, as a database fact: the number is the _id, so two accounts
 * claiming one number at the same moment cannot both insert it (the embedded database
 * decides races only by unique-key inserts; see README "Databases").
 */
import { Schema, Types, model } from 'mongoose';

const phoneOwnerSchema = new Schema(
  {
    _id: { type: String, required: true }, // the phone number, 00… form
    user_id: { type: Schema.Types.ObjectId, required: true },
    claimed_at: { type: Date, required: true, default: () => new Date() },
  },
  { collection: 'phone_owners', versionKey: false },
);

phoneOwnerSchema.index({ user_id: 1 }); // release of a user's previous number

export const PhoneOwner = model('PhoneOwner', phoneOwnerSchema);
export type PhoneOwnerId = Types.ObjectId;
