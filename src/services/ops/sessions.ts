/**
 * Operator console sessions (src/models/opsSession.ts) and the sign-in that makes them:
 * the token is compared in constant time, failures are limited per client address
 * (OPERATOR_SIGNIN_FAILURES per 15 minutes, shared by every web process), and a session
 * lives OPERATOR_SESSION_MINUTES. The cookie value is random; only its hash is stored.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { Config } from '../../config';
import { constantTimeEqual } from '../../domain/password';
import { MINUTE_MS } from '../../domain/time';
import { AppError } from '../../errors';
import { OpsSession } from '../../models/opsSession';
import { SessionRecord } from '../../models/session';
import { User } from '../../models/user';
import { beginAttempt, type RateRule } from '../accounts/rateLimit';
import { findAccount } from '../privacy/summary';
import { recordAction, type Actor } from './actions';

export const OPS_COOKIE = 'ops';
/** Cookie values are 32 random bytes in base64url: 43 characters. */
const COOKIE_LENGTH = 43;
/** Longer than any token an operator would set; refused before any comparison. */
export const MAX_OPERATOR_TOKEN_LENGTH = 1024;

export interface OpsSessionView {
  name: string;
  expires_at: Date;
}

const hashOf = (value: string) => createHash('sha256').update(value).digest('hex');
/** Which OPERATOR_TOKEN a session signed in with (a new token ends every session). */
const tokenTag = (token: string) =>
  createHmac('sha256', token).update('ops-session').digest('hex').slice(0, 32);

function signInRules(config: Config): RateRule[] {
  return [{ scope: 'ops:signin:addr', limit: config.OPERATOR_SIGNIN_FAILURES, windowMs: 15 * MINUTE_MS }];
}

/**
 * Checks a typed token; returns the new session's cookie value and name. 404 when no
 * token is configured, 401 for a wrong one, 429 past the failure limit.
 */
export async function signIn(
  config: Config,
  typed: string,
  address: string,
  now: Date,
): Promise<{ cookie: string; session: OpsSessionView }> {
  const token = config.OPERATOR_TOKEN;
  if (!token) throw AppError.notFound('no such route');
  const attempt = await beginAttempt(
    signInRules(config).map((rule) => ({ rule, value: address, enforced: true })),
    now,
  );
  if (typed.length > MAX_OPERATOR_TOKEN_LENGTH || !constantTimeEqual(typed, token)) {
    await attempt.failed();
    throw AppError.unauthorized('wrong operator token');
  }
  await attempt.discard();
  const cookie = randomBytes(32).toString('base64url');
  const id = hashOf(cookie);
  const session = {
    name: `operator-${id.slice(0, 6)}`,
    expires_at: new Date(now.getTime() + config.OPERATOR_SESSION_MINUTES * MINUTE_MS),
  };
  await OpsSession.create({ _id: id, token_tag: tokenTag(token), created_at: now, ...session });
  await recordAction({
    at: now,
    by: session.name,
    action: 'sign-in',
    target: 'console',
    result: 'signed in',
    ok: true,
  });
  return { cookie, session };
}

/** The live session of a cookie value, or undefined (expired, signed out, token changed). */
export async function findSession(
  config: Config,
  cookie: string | undefined,
  now: Date,
): Promise<OpsSessionView | undefined> {
  const token = config.OPERATOR_TOKEN;
  if (!token || !cookie || cookie.length !== COOKIE_LENGTH) return undefined;
  const doc = await OpsSession.findById(hashOf(cookie)).lean();
  if (!doc || doc.expires_at <= now || doc.token_tag !== tokenTag(token)) return undefined;
  return { name: doc.name, expires_at: doc.expires_at };
}

export async function signOut(cookie: string, by: Actor, now: Date): Promise<void> {
  await OpsSession.deleteOne({ _id: hashOf(cookie) });
  await recordAction({ at: now, by, action: 'sign-out', target: 'console', result: 'signed out', ok: true });
}

/** Ends every app session of one account (`admin revoke-sessions`): its phones must log in again. */
export async function revokeUserSessions(
  ref: string,
  by: Actor,
  now: Date,
): Promise<{ user_id: string; ended: number }> {
  const account = await findAccount(ref);
  if (!account) throw AppError.notFound(`no account with the email or id ${ref}`);
  const userId = account.id.toHexString();
  // First the mark, which every web process's memory of verified logins keys on, then the sessions.
  await User.updateOne({ _id: account.id }, { $set: { sessions_revoked_at: now } });
  const { deletedCount } = await SessionRecord.deleteMany({ user_id: userId });
  await recordAction({
    at: now,
    by,
    action: 'revoke-sessions',
    target: `user ${userId}`,
    result: `${deletedCount} sessions ended`,
    ok: true,
  });
  return { user_id: userId, ended: deletedCount };
}
