/**
 * Logged-in test users without going through /signup and /login: the user (and the
 * PhoneOwner of their phone) is created with the models, and a session is written to the
 * session store exactly as our store writes it, with the cookie signed as express-session
 * signs it. Requests then carry that cookie.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import bcrypt from 'bcrypt';
import mongoose, { Types } from 'mongoose';
import request from 'supertest';
import type { Express } from 'express';
import { PhoneOwner, User } from '../../src/models';
import { SESSION_COOKIE, SESSIONS_COLLECTION } from '../../src/http/session';

import { TEST_SESSION_SECRET } from './app';

let counter = 0;

export interface TestUserOptions {
  email?: string;
  phone?: string;
  country_code?: string;
  os?: string;
  reg_id?: string;
  status_rank?: number;
  facebook_id?: string;
  facebook_name?: string;
}

export interface TestUser {
  id: string;
  oid: Types.ObjectId;
  email: string;
  phone?: string;
  /** The SHA-256 hex the apps would send as the password. */
  password: string;
}

export async function createTestUser(opts: TestUserOptions = {}): Promise<TestUser> {
  counter += 1;
  const email = opts.email ?? `user${counter}.${randomBytes(3).toString('hex')}@test.pictever.com`;
  const password = createHash('sha256').update(`secret-${counter}`).digest('hex');
  const user = await User.create({
    email,
    password: await bcrypt.hash(password, 4),
    country_code: opts.country_code ?? 'us',
    status_rank: opts.status_rank ?? 0,
    facebook_id: opts.facebook_id ?? '',
    facebook_name: opts.facebook_name ?? '',
    device: opts.phone
      ? { phone: opts.phone, os: opts.os ?? 'android', reg_id: opts.reg_id ?? 'token' }
      : undefined,
  });
  if (opts.phone) await PhoneOwner.create({ _id: opts.phone, user_id: user._id });
  return { id: user._id.toHexString(), oid: user._id, email, phone: opts.phone, password };
}

/**
 * A session for `userId` in the store, and the signed cookie naming it, as /login writes
 * it (src/http/session.ts): logged in now (real time), from no known address.
 */
export async function sessionCookie(userId: string, secret = TEST_SESSION_SECRET): Promise<string> {
  const sid = randomBytes(24).toString('base64url');
  const maxAge = 24 * 3600 * 1000;
  const loginAt = new Date();
  const expires = new Date(loginAt.getTime() + maxAge);
  await mongoose.connection
    .collection<{ _id: string } & Record<string, unknown>>(SESSIONS_COLLECTION)
    .insertOne({
      _id: sid,
      expires,
      user_id: userId,
      login_at: loginAt,
      login_addr: '',
      session: {
        cookie: {
          originalMaxAge: maxAge,
          expires,
          secure: false,
          httpOnly: true,
          path: '/',
          sameSite: 'lax',
        },
        passport: { user: userId },
        login: { at: loginAt.getTime(), addr: '' },
      },
    });
  return signedSessionCookie(sid, secret);
}

/** The cookie naming session id `sid`, signed as express-session signs it (stored or not). */
export function signedSessionCookie(sid: string, secret = TEST_SESSION_SECRET): string {
  const signature = createHmac('sha256', secret).update(sid).digest('base64').replace(/=+$/, '');
  return `${SESSION_COOKIE}=${encodeURIComponent(`s:${sid}.${signature}`)}`;
}

/** The session id a cookie (`session=s%3A<sid>.<signature>`) names. */
export function sessionIdOf(cookie: string): string {
  return decodeURIComponent(cookie.split('=')[1]!).slice(2).split('.')[0]!;
}

/** Requests as one logged-in user. */
export interface Client {
  user: TestUser;
  cookie: string;
  get(path: string): request.Test;
  post(path: string): request.Test;
}

export function clientFor(app: Express, user: TestUser, cookie: string): Client {
  return {
    user,
    cookie,
    get: (path) => request(app).get(path).set('Cookie', cookie),
    post: (path) => request(app).post(path).set('Cookie', cookie),
  };
}

/** A new user, logged in. */
export async function loggedIn(app: Express, opts: TestUserOptions = {}): Promise<Client> {
  const user = await createTestUser(opts);
  return clientFor(app, user, await sessionCookie(user.id));
}
