/**
 * Password-reset codes and their attempts (../shared/CONTRACT.md §3 send_reset_mail).
 *
 * ResetCode: one per emailed code; only the HMAC of the code is stored. The newest code of
 * a user is the only one that counts.
 *
 * ResetAttempt: one document per use of a code, because on the embedded database only an
 * insert into a unique key is atomic (README "Databases"):
 *   kind 'attempt'  _id `${code_id}:attempt:${uuid}`, inserted before each comparison;
 *                   a comparison happens only while the attempts counted are within the limit
 *   kind 'use'      _id `${code_id}:use`: the one successful use; a second insert fails
 * Both expire with their code (a TTL index on MongoDB, the cleanup job elsewhere).
 */
import { Schema, model } from 'mongoose';
import { expiresAfter } from './expiry';

const resetCodeSchema = new Schema(
  {
    user_id: { type: Schema.Types.ObjectId, required: true },
    code_hash: { type: String, required: true, select: false },
    created_at: { type: Date, required: true },
    expires_at: { type: Date, required: true },
  },
  { collection: 'reset_codes', versionKey: false },
);

resetCodeSchema.index({ user_id: 1, created_at: -1, _id: -1 }); // the newest code of a user
resetCodeSchema.index({ expires_at: 1 }, expiresAfter(0));

export const ResetCode = model('ResetCode', resetCodeSchema);

export const RESET_ATTEMPT_KINDS = ['attempt', 'use'] as const;

const resetAttemptSchema = new Schema(
  {
    _id: { type: String, required: true },
    code_id: { type: Schema.Types.ObjectId, required: true },
    kind: { type: String, enum: RESET_ATTEMPT_KINDS, required: true },
    at: { type: Date, required: true },
  },
  { collection: 'reset_attempts', versionKey: false },
);

resetAttemptSchema.index({ code_id: 1, kind: 1 }); // attempts of a code
// An attempt older than the code lifetime belongs to a code that has expired.
resetAttemptSchema.index(
  { at: 1 },
  expiresAfter((c) => c.RESET_CODE_TTL_MINUTES * 60),
);

export const ResetAttempt = model('ResetAttempt', resetAttemptSchema);
