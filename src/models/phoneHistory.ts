/**
 * What an account did with phone numbers, as unique keys (the embedded database decides
 * races only by unique-key inserts; README "Databases"):
 *
 *  - `<user id>:first`: the account's first number, inserted once. Only that number claims
 *    bottles (messages sent to a number before it had an account), because numbers are
 *    claimed without proof: an account cannot collect other numbers' bottles by moving
 *    from number to number.
 *  - `<user id>:change:<slot>`, slot 0 to PHONE_CHANGES_PER_30_DAYS - 1: one number change
 *    each. A slot is free when absent or older than 30 days, so at most that many changes
 *    happen in any 30 days, however many requests race for the slots.
 *
 * No cleanup is needed: an account holds at most one `first` and one document per slot.
 */
import { Schema, model } from 'mongoose';

const phoneHistorySchema = new Schema(
  {
    _id: { type: String, required: true },
    user_id: { type: Schema.Types.ObjectId, required: true },
    /** The first number (00… form); absent on change slots, which need only their time. */
    phone: { type: String },
    at: { type: Date, required: true },
  },
  { collection: 'phone_history', versionKey: false },
);

export const PhoneHistory = model('PhoneHistory', phoneHistorySchema);

export const firstPhoneKey = (userId: string) => `${userId}:first`;
export const changeSlotKey = (userId: string, slot: number) => `${userId}:change:${slot}`;
