/**
 * Cookie sessions stored in MongoDB, on Mongoose's connection. The session holds only
 * the user id (as passport stores it, `{ passport: { user } }`). The cookie is HttpOnly,
 * path '/', and Secure only when configured, because the apps speak plain HTTP.
 *
 * Every request with a cookie reads its session from the database (one round trip), so a
 * logout or a new login in one web process ends the old session in all of them; nothing
 * is cached per process. Login and logout write the store directly, as few times as the
 * session-fixation rule allows (see logIn).
 */
import type { Request, RequestHandler } from 'express';
import session from 'express-session';
import MongoStore from 'connect-mongo';
import type { Collection } from 'mongodb';
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

declare module 'express-session' {
  interface SessionData {
    passport?: { user?: unknown };
  }
}

export const SESSION_COOKIE = 'session';
export const SESSIONS_COLLECTION = 'sessions';

interface StoredSession {
  _id: string;
  expires?: Date;
  lastModified?: Date;
  session: session.SessionData & { lastModified?: Date };
}

/**
 * connect-mongo's store, reading a session by `_id` alone and checking its expiry here:
 * its own filter adds an `$or` on `expires` that every request would send and the
 * embedded database would evaluate on every stored session.
 */
class SessionStore extends MongoStore {
  override get(sid: string, callback: (err: unknown, session?: session.SessionData | null) => void): void {
    this.collectionP
      .then((c) => (c as unknown as Collection<StoredSession>).findOne({ _id: sid }))
      .then((doc) => {
        if (!doc || (doc.expires && doc.expires.getTime() <= Date.now())) return callback(null, null);
        // connect-mongo's touch() reads lastModified from the session to apply touchAfter.
        if (doc.lastModified) doc.session.lastModified = doc.lastModified;
        callback(null, doc.session);
      }, callback);
  }
}

export function sessionMiddleware(config: Config, connection: Connection): RequestHandler[] {
  const maxAgeMs = config.SESSION_MAX_AGE_DAYS * 24 * 3600 * 1000;
  const store = new SessionStore({
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
      secret: config.SESSION_SECRET,
      store,
      resave: false,
      saveUninitialized: false,
      proxy: config.COOKIE_SECURE,
      cookie: { httpOnly: true, secure: config.COOKIE_SECURE, path: '/', sameSite: 'lax', maxAge: maxAgeMs },
    }),
    sessionUser,
  ];
}

/**
 * `req.user` from the session: what passport.session() does with a deserializer that
 * turns the stored id into `{ id }`, without its per-request strategy machinery.
 */
const sessionUser: RequestHandler = (req, _res, next) => {
  const id = req.session?.passport?.user;
  if (typeof id === 'string') req.user = { id };
  next();
};

function storeCall(fn: (done: (err?: unknown) => void) => void): Promise<void> {
  return new Promise((resolve, reject) =>
    fn((err?: unknown) =>
      err ? reject(err instanceof Error ? err : new Error('session store failed')) : resolve(),
    ),
  );
}

/**
 * Marks the session as saved as it is now: express-session saves a new session again at
 * the end of the request (it cannot know about a save made on a regenerated session);
 * that save is skipped unless the session changed since (its cookie aside, as
 * express-session compares it).
 */
function markSaved(sess: session.Session): void {
  const snapshot = (s: object) => JSON.stringify({ ...s, cookie: undefined });
  const saved = snapshot(sess);
  const proto = Object.getPrototypeOf(sess) as session.Session;
  Object.defineProperty(sess, 'save', {
    configurable: true,
    enumerable: false,
    writable: true,
    value(this: session.Session, callback?: (err?: unknown) => void) {
      if (snapshot(this) !== saved) return proto.save.call(this, callback);
      callback?.();
      return this;
    },
  });
}

/**
 * Logs the user in under a new session id (no session fixation): the previous session is
 * deleted if it was a stored one (only logged-in sessions are ever stored), then the new
 * one is written once. A first login costs one session write, a login over a previous
 * session two.
 */
export async function logIn(req: Request, user: SessionUser): Promise<void> {
  const store = req.sessionStore;
  if (req.session.passport?.user !== undefined) {
    const previous = req.sessionID;
    await storeCall((done) => store.destroy(previous, done));
  }
  store.generate(req);
  req.session.passport = { user: user.id };
  await storeCall((done) => store.set(req.sessionID, req.session, done));
  markSaved(req.session);
  req.user = user;
}

/** Ends the session: its stored copy is deleted (one write) and the cookie cleared. */
export async function logOut(req: Request): Promise<void> {
  if (req.session.passport?.user !== undefined) await storeCall((done) => req.session.destroy(done));
  req.user = undefined;
  req.res?.clearCookie(SESSION_COOKIE, { path: '/' });
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
