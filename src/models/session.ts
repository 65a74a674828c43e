/**
 * Login sessions, as the session store (src/http/session.ts) writes them: connect-mongo's
 * document (`_id` = the session id, `session` = its data, `expires`) plus three top-level
 * fields of ours, so that a user's sessions can be found through an index:
 *   user_id     the logged-in user (the id passport keeps in the session, a string)
 *   login_at    when the session logged in; it ends SESSION_MAX_AGE_DAYS later, however
 *               often it is used (`expires` is that end in real time, for expiry)
 *   login_addr  a hash of the client address group it logged in from (see
 *               domain/clientAddress): a place where the account recently logged in
 * The store reads and writes them with the driver; this model declares the indexes and
 * serves the queries by user (a password reset ends them all; login limits trust the
 * places of live sessions).
 */
import { Schema, model } from 'mongoose';
import { expiresAfter } from './expiry';

export const SESSIONS_COLLECTION = 'sessions';

const sessionSchema = new Schema(
  {
    _id: { type: String, required: true },
    session: { type: Schema.Types.Mixed },
    expires: { type: Date },
    user_id: { type: String },
    login_at: { type: Date },
    login_addr: { type: String },
  },
  { collection: SESSIONS_COLLECTION, versionKey: false, strict: false },
);

// TTL on MongoDB; elsewhere the worker's sweep (connect-mongo's own is disabled: src/http/session.ts).
sessionSchema.index({ expires: 1 }, expiresAfter(0));
sessionSchema.index({ user_id: 1, login_addr: 1, login_at: 1 }); // a user's sessions; from one place, recent

export const SessionRecord = model('SessionRecord', sessionSchema);
