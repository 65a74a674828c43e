/**
 * Cookie sessions stored in MongoDB, on Mongoose's connection. The session holds only
 * the user id (as passport stores it, `{ passport: { user } }`) and when and from where
 * it logged in. The cookie is HttpOnly, path '/', and Secure only when configured,
 * because the apps speak plain HTTP.
 *
 * Every request with a cookie reads its session from the database (one round trip), so a
 * logout, or a password reset ending every session of a user, takes effect in every web
 * process at once; nothing is cached per process.
 *
 * Lifetime: SESSION_MAX_AGE_DAYS from login, however often the session is used. The
 * login time is stored (top-level `login_at`, see models/session) and checked at every
 * read on the app's clock; nothing ever extends it (no rolling touch).
 */
import type { Request, RequestHandler } from 'express';
import session from 'express-session';
import MongoStore from 'connect-mongo';
import type { Collection } from 'mongodb';
import type { Connection } from 'mongoose';
import type { Config } from '../config';
import { retryRead } from '../db/retryRead';
import type { Logger } from '../logger';
import { addressTag } from '../domain/clientAddress';
import { SESSIONS_COLLECTION } from '../models/session';
import { AppError } from './errors';

export { SESSIONS_COLLECTION };

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
    /** When (epoch ms, app clock) and from which address group (its tag) it logged in. */
    login?: { at: number; addr: string };
  }
}

export const SESSION_COOKIE = 'session';

interface StoredSession {
  _id: string;
  expires?: Date;
  session: session.SessionData;
  user_id?: string;
  login_at?: Date;
  login_addr?: string;
}

type Done = (err?: unknown) => void;

/**
 * connect-mongo's store with our reads and writes. get: by `_id` alone (its own filter
 * adds an `$or` on `expires` that the embedded database would evaluate on every stored
 * session), refusing a session past its absolute end or without a login time (written
 * before login times were kept), and tried once more when the database's answer fails it
 * (src/db/retryRead.ts: every request with a cookie starts with it). set: also writes the
 * top-level fields of models/session. touch: nothing, since a session's end never moves.
 *
 * Expired sessions are never swept from here: connect-mongo's own sweep
 * (`autoRemove: 'interval'`) is an unacknowledged delete (`w: 0`), which src/db/writeConcern.ts
 * refuses. On MongoDB the TTL index on `expires` that models/session declares removes them;
 * elsewhere the worker's cleanup (workers/periodic/cleanup.ts).
 */
class SessionStore extends MongoStore {
  constructor(
    options: ConstructorParameters<typeof MongoStore>[0],
    private readonly lifetimeMs: number,
    private readonly now: () => Date,
    private readonly log: Pick<Logger, 'warn'>,
  ) {
    super(options);
  }

  private sessions(): Promise<Collection<StoredSession>> {
    return this.collectionP as unknown as Promise<Collection<StoredSession>>;
  }

  private live(doc: StoredSession): boolean {
    if (doc.expires && doc.expires.getTime() <= Date.now()) return false;
    const at = doc.login_at?.getTime();
    return at !== undefined && this.now().getTime() - at < this.lifetimeMs;
  }

  override get(sid: string, callback: (err: unknown, session?: session.SessionData | null) => void): void {
    this.sessions()
      .then((c) => retryRead('findOne sessions', this.log, () => c.findOne({ _id: sid })))
      .then((doc) => callback(null, doc && this.live(doc) ? doc.session : null), callback);
  }

  override set(sid: string, data: session.SessionData, callback: Done = () => undefined): void {
    const now = this.now().getTime();
    const at = data.login?.at ?? now;
    const user = data.passport?.user;
    const cookie = data.cookie as session.Cookie & { toJSON?: () => session.Cookie };
    const doc: Omit<StoredSession, '_id'> = {
      session: { ...data, cookie: cookie.toJSON ? cookie.toJSON() : cookie },
      // The end on the app's clock, as real time: what the sweeps compare with.
      expires: new Date(Date.now() + (at + this.lifetimeMs - now)),
      login_at: new Date(at),
      login_addr: data.login?.addr ?? '',
      ...(typeof user === 'string' ? { user_id: user } : {}),
    };
    this.sessions()
      .then((c) => c.updateOne({ _id: sid }, { $set: doc }, { upsert: true }))
      .then(() => callback(), callback);
  }

  override touch(_sid: string, _data: session.SessionData, callback: Done = () => undefined): void {
    callback();
  }
}

/**
 * `now`: the app's clock, which a session's lifetime is measured on (tests inject one);
 * `log` gets the warning of a session read tried again.
 */
export function sessionMiddleware(
  config: Config,
  connection: Connection,
  log: Pick<Logger, 'warn'>,
  now: () => Date = () => new Date(),
): RequestHandler[] {
  const maxAgeMs = config.SESSION_MAX_AGE_DAYS * 24 * 3600 * 1000;
  const store = new SessionStore(
    {
      client: connection.getClient(),
      dbName: connection.db?.databaseName,
      collectionName: SESSIONS_COLLECTION,
      ttl: maxAgeMs / 1000,
      autoRemove: 'disabled',
      stringify: false,
    },
    maxAgeMs,
    now,
    log,
  );
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

/** Where a login happened: the app's time and the client address group (http/edge). */
export interface LoginPlace {
  at: Date;
  address: string;
}

/**
 * Logs the user in under a new session id (no session fixation: an anonymous session, or
 * another user's, is never upgraded), written once. The session the request came with is
 * left alone: the phone's parallel requests may still carry it (both apps log in again on
 * every 401), and it stays valid until it expires or its user logs out.
 * `sameSite`: a stricter cookie for this session than the apps' default (the account page's
 * sessions are `strict`: a browser never sends them with a request another site starts).
 */
export async function logIn(
  req: Request,
  user: SessionUser,
  place: LoginPlace = { at: new Date(), address: '' },
  sameSite?: 'strict',
): Promise<void> {
  const store = req.sessionStore;
  store.generate(req);
  if (sameSite) req.session.cookie.sameSite = sameSite;
  req.session.passport = { user: user.id };
  req.session.login = { at: place.at.getTime(), addr: addressTag(place.address) };
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
