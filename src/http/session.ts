/**
 * Cookie sessions stored in MongoDB, on Mongoose's connection. The session holds only
 * the user id. The cookie is HttpOnly, path '/', and Secure only when configured,
 * because the apps speak plain HTTP.
 */
import type { RequestHandler } from 'express';
import session from 'express-session';
import MongoStore from 'connect-mongo';
import passport from 'passport';
import type { Connection } from 'mongoose';
import type { Config } from '../config';
import { AppError } from './errors';

export interface SessionUser {
  id: string;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface User extends SessionUser {}
  }
}

export const SESSION_COOKIE = 'session';
export const SESSIONS_COLLECTION = 'sessions';
const DEV_SECRET = 'pictever-development-only-secret';

// Only the user id lives in the session; handlers load what they need.
passport.serializeUser((user, done) => done(null, user.id));
passport.deserializeUser((id: unknown, done) => {
  done(null, typeof id === 'string' ? { id } : false);
});

export function sessionMiddleware(config: Config, connection: Connection): RequestHandler[] {
  const maxAgeMs = config.SESSION_MAX_AGE_DAYS * 24 * 3600 * 1000;
  const store = MongoStore.create({
    client: connection.getClient(),
    dbName: connection.db?.databaseName,
    collectionName: SESSIONS_COLLECTION,
    ttl: maxAgeMs / 1000,
    // No TTL indexes on the embedded database: expired sessions are deleted by a sweep.
    autoRemove: 'interval',
    autoRemoveInterval: 10,
    stringify: false,
    // Without it the store rewrites the session on every request: one more round trip each.
    touchAfter: 3600,
  });
  return [
    session({
      name: SESSION_COOKIE,
      secret: config.SESSION_SECRET ?? DEV_SECRET,
      store,
      resave: false,
      saveUninitialized: false,
      proxy: config.COOKIE_SECURE,
      cookie: { httpOnly: true, secure: config.COOKIE_SECURE, path: '/', sameSite: 'lax', maxAge: maxAgeMs },
    }),
    passport.session() as RequestHandler,
  ];
}

/** 401 without a logged-in session; both apps then log in again and retry once. */
export const requireLogin: RequestHandler = (req, _res, next) => {
  next(req.user ? undefined : AppError.unauthorized());
};

/** The logged-in user's id; only valid behind requireLogin. */
export function userId(req: Express.Request): string {
  if (!req.user) throw AppError.unauthorized();
  return req.user.id;
}
