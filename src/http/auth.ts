/**
 * Password login with passport-local (usernameField `email`), as passport is designed to be
 * used: a Passport of the app's own (`passwordLoginPassport`) with the local strategy registered by
 * name, whose `authenticate` runs each request on a fresh object inheriting from the strategy.
 * The strategy's verify function needs the app's config, so the instance is per app, never
 * the global one. Nothing of passport runs on other requests: `authenticate` equips its
 * request itself (passport 0.6+), so `passport.initialize()` is not mounted, and the session
 * is read by src/http/session.ts (README "Accounts": why not `passport.session()`).
 */
import type { Request, Response } from 'express';
import { Passport } from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import type { AppDeps } from '../deps';
import { normaliseEmail } from '../domain/email';
import { normaliseRegId } from '../domain/phone';
import type { LoginUser } from '../services/accounts/accounts';
import { passwordLogin } from '../services/accounts/login';
import { clientAddress } from './edge';
import { AppError } from './errors';

/** Passport hands back whatever a callback gave; an Error passes as it is, keeping its status. */
function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(typeof err === 'string' ? err : 'authentication failed');
}

const MISSING_CREDENTIALS = 'missing email or password';

/** A Passport of the app's own. */
export type AppPassport = InstanceType<typeof Passport>;

/** The name the local strategy is registered under. */
const LOCAL = 'local';

/**
 * The app's password login. An empty or missing email or password fails in passport-local
 * without a check (401, as every failed login); the login limits need the request: its
 * address and the session it carries.
 */
export function passwordLoginPassport(deps: Pick<AppDeps, 'config' | 'now'>): AppPassport {
  const passport = new Passport();
  passport.use(LOCAL, localStrategy(deps));
  return passport;
}

function localStrategy(deps: Pick<AppDeps, 'config' | 'now'>): LocalStrategy {
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
        // The form was checked (routes/accounts loginForm) before this runs.
        regId: normaliseRegId(formText((req.body as Record<string, unknown>).reg_id)),
      }).then(
        (user) => done(null, user ?? false),
        (err: unknown) => done(err),
      );
    },
  );
}

/** A form value as text (the form parser makes only strings; anything else is none). */
function formText(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** The user when the form's email and password are right, else null. */
export function authenticate(passport: AppPassport, req: Request, res: Response): Promise<LoginUser | null> {
  return new Promise((resolve, reject) => {
    const middleware = passport.authenticate(
      LOCAL,
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
