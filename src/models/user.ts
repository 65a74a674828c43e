/**
 * Accounts. The email is the account key, stored normalised (see domain/email). The
 * password is a bcrypt hash of the SHA-256 hex the apps send; an imported legacy account
 * may instead carry that hex itself until its next login. Neither ever serialises.
 * The current device is embedded; who owns a phone number is decided by PhoneOwner.
 */
import { Schema, model, type InferSchemaType, type HydratedDocument } from 'mongoose';

const deviceSchema = new Schema(
  {
    phone: { type: String, required: true }, // 00 + country code + national number
    os: { type: String, default: '' }, // 'android' | 'ios' as the apps send it
    reg_id: { type: String, default: '' }, // push token; '' when none
    app_version: { type: String, default: '' },
  },
  { _id: false },
);

const userSchema = new Schema(
  {
    email: { type: String, required: true },
    password: { type: String, select: false },
    legacy_password: { type: String, select: false },
    country_code: { type: String, default: 'us' },
    created_at: { type: Date, required: true, default: () => new Date() },
    last_login: { type: Date },
    facebook_id: { type: String, default: '' },
    facebook_name: { type: String, default: '' },
    facebook_birthday: { type: String, default: '' },
    device: { type: deviceSchema, default: undefined },
    /** Highest status tier reached: the status never goes down. */
    status_rank: { type: Number, default: 0 },
    /**
     * Set when the account's deletion starts (services/privacy/deletion.ts); the login
     * refuses such an account, and the worker finishes a deletion left unfinished.
     */
    deleting_at: { type: Date },
    /** When an operator last ended every session (the login's memory forgets with it). */
    sessions_revoked_at: { type: Date },
    /** The last failed login from the owner's phone (its push token): its count is read then. */
    phone_failed_at: { type: Date },
  },
  {
    collection: 'users',
    versionKey: false,
    toJSON: {
      transform: (_doc, ret: Record<string, unknown>) => {
        delete ret.password;
        delete ret.legacy_password;
        if (ret.device) delete (ret.device as Record<string, unknown>).reg_id;
        return ret;
      },
    },
  },
);

userSchema.index({ email: 1 }, { unique: true }); // login, signup, reset
userSchema.index({ 'device.phone': 1 }); // upload_contacts, address-book matching
userSchema.index({ facebook_id: 1 }); // legacy Facebook login
userSchema.index({ created_at: 1 }); // the worker's no-phone reminder window (24-64 h after signup)
userSchema.index({ deleting_at: 1 }); // unfinished account deletions (the worker's cleanup job)

export type UserFields = InferSchemaType<typeof userSchema>;
export type UserDoc = HydratedDocument<UserFields>;
export const User = model('User', userSchema);
