/**
 * Operator console sessions (README "Operating"). The cookie holds a random value; the
 * document's `_id` is its SHA-256, so a read of this collection gives no usable cookie.
 * `token_tag` is an HMAC of the OPERATOR_TOKEN the session signed in with: changing the
 * token ends every session. A session ends at `expires_at` (OPERATOR_SESSION_MINUTES
 * after sign-in, a TTL index on MongoDB, the cleanup job elsewhere) or at sign-out.
 */
import { Schema, model } from 'mongoose';
import { expiresAfter } from './expiry';

const opsSessionSchema = new Schema(
  {
    _id: { type: String, required: true }, // SHA-256 (hex) of the cookie value
    name: { type: String, required: true }, // how actions name it: `operator-<6 hex>`
    token_tag: { type: String, required: true },
    created_at: { type: Date, required: true },
    expires_at: { type: Date, required: true },
  },
  { collection: 'ops_sessions', versionKey: false },
);

opsSessionSchema.index({ expires_at: 1 }, expiresAfter(0));

export const OpsSession = model('OpsSession', opsSessionSchema);
