/**
 * Password login with passport-local (usernameField `email`), and the edge helpers of the
 * account routes: field validation with zod and the client address for rate limits.
 *
 * The strategy is built per app (its verify function needs the app's config) and never
 * registered on the global passport: each request authenticates with a fresh object
 * inheriting from it, because passport binds a request's callbacks onto the strategy
 * object it is given, and a shared object would mix concurrent requests up.
 */
import type { Request, Response } from 'express';
import { Types } from 'mongoose';
import passport from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import type { z } from 'zod';
import type { AppDeps } from '../deps';
import { addressGroup } from '../domain/clientAddress';
import { normaliseEmail } from '../domain/email';
import { isObjectIdHex } from '../domain/objectId';
import type { LoginUser } from '../services/accounts/accounts';
import { passwordLogin } from '../services/accounts/login';
import { AppError } from './errors';

/** Passport hands back whatever a callback gave; an Error passes as it is, keeping its status. */
function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(typeof err === 'string' ? err : 'authentication failed');
}

const MISSING_CREDENTIALS = 'missing email or password';

/**
 * An empty or missing email or password fails here without a check (401, as every failed
 * login); the login limits need the request: its address and the session it carries.
 */
export function localStrategy(deps: Pick<AppDeps, 'config' | 'now'>): LocalStrategy {
  return new LocalStrategy(
    {
      usernameField: 'email',
      passwordField: 'password',
      session: false,
      passReqToCallback: true,
    },
    (req, email, password, done) => {
      const userId = req.user?.id;
      passwordLogin(deps, {
        email: normaliseEmail(email),
        password,
        address: clientAddress(req),
        session: userId ? { userId, id: req.sessionID } : undefined,
      }).then(
        (user) => done(null, user ?? false),
        (err: unknown) => done(err),
      );
    },
  );
}

/** The user when the form's email and password are right, else null. */
export function authenticate(
  strategy: LocalStrategy,
  req: Request,
  res: Response,
): Promise<LoginUser | null> {
  return new Promise((resolve, reject) => {
    const perRequest = Object.create(strategy) as LocalStrategy;
    const middleware = passport.authenticate(
      perRequest,
      { session: false },
      (err: unknown, user: unknown, _info: unknown, status: unknown) => {
        if (err) reject(asError(err));
        // passport-local's "bad request" is a failed login like any other: 401.
        else if (!user && status === 400) reject(AppError.unauthorized(MISSING_CREDENTIALS));
        else resolve(user ? (user as LoginUser) : null);
      },
    ) as (req: Request, res: Response, next: (err?: unknown) => void) => void;
    middleware(req, res, (err?: unknown) => reject(asError(err)));
  });
}

/** Parses the form (or query) with a zod schema; 400 with a short reason when it does not fit. */
export function parseFields<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const parsed = schema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.path.join('.') || 'form';
  const given = (input ?? {}) as Record<string, unknown>;
  const missing = issue?.path.length === 1 && given[String(issue.path[0])] === undefined;
  throw AppError.badRequest(
    missing ? `missing field ${field}` : `invalid field ${field}: ${issue?.message ?? ''}`,
  );
}

/** The logged-in user's id (behind requireLogin); a session holding anything else is no session. */
export function sessionUserId(req: Request): Types.ObjectId {
  const id = req.user?.id;
  if (!isObjectIdHex(id)) throw AppError.unauthorized();
  return new Types.ObjectId(id);
}

/**
 * The client address as the rate limits count it: as Express sees it (TRUST_PROXY_HOPS
 * decides whether proxies count), an IPv6 client as its /64 (domain/clientAddress).
 */
export function clientAddress(req: Request): string {
  return addressGroup(req.ip ?? req.socket.remoteAddress ?? 'unknown');
}
