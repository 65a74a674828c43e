/**
 * What operators did (README "Operating"): one document per action of the console or the
 * admin command line, inserted once and never updated. `by` is the operator session (a
 * short name derived from its id, never the cookie) or `cli@<host or dyno>`; `target` and
 * `result` never hold a secret (a device token appears as its fingerprint). Kept for
 * OPERATOR_ACTION_RETENTION_DAYS (a TTL index on MongoDB, the cleanup job elsewhere).
 */
import { Schema, model, type InferSchemaType } from 'mongoose';
import { DAY_S } from '../domain/time';
import { expiresAfter } from './expiry';

export const OPS_ACTIONS = [
  'sign-in',
  'sign-out',
  'requeue',
  'requeue-all',
  'test-push',
  'pause',
  'resume',
  'revoke-sessions',
] as const;
export type OpsActionKind = (typeof OPS_ACTIONS)[number];

const opsActionSchema = new Schema(
  {
    at: { type: Date, required: true },
    by: { type: String, required: true },
    action: { type: String, enum: OPS_ACTIONS, required: true },
    target: { type: String, default: '' },
    result: { type: String, default: '' },
    ok: { type: Boolean, required: true },
  },
  { collection: 'ops_actions', versionKey: false },
);

opsActionSchema.index(
  { at: 1 },
  expiresAfter((c) => c.OPERATOR_ACTION_RETENTION_DAYS * DAY_S),
); // newest first; expiry

export type OpsActionFields = InferSchemaType<typeof opsActionSchema>;
export const OpsAction = model('OpsAction', opsActionSchema);
