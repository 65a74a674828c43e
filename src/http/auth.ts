/**
 * Password login with passport-local (usernameField `email`).
 *
 * The strategy is built per app (its verify function needs the app's config) and never
 * registered on the global passport: each request authenticates with a fresh object
 * inheriting from it, because passport binds a request's callbacks onto the strategy
 * object it is given, and a shared object would mix concurrent requests up.
 */
import type { Request, Response } from 'express';
import passport from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import type { AppDeps } from '../deps';
import { normaliseEmail } from '../domain/email';
import type { LoginUser } from '../services/accounts/accounts';
import { passwordLogin } from '../services/accounts/login';
import { clientAddress } from './edge';
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
