/**
 * Test users written with the models (User, and PhoneOwner when a phone is given), and
 * agents logged in through the real POST /login.
 */
import { createHash, randomBytes } from 'node:crypto';
import bcrypt from 'bcrypt';
import type { Express } from 'express';
import request from 'supertest';
import { PhoneOwner, User } from '../../src/models';

let counter = 0;

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export interface UserOptions {
  email?: string;
  /** The SHA-256 hex the apps send; random when unset. */
  password?: string;
  phone?: string;
  os?: string;
  regId?: string;
  countryCode?: string;
  /** Store the password as the original server did (raw hex in legacy_password). */
  legacy?: boolean;
  facebookId?: string;
  facebookName?: string;
}

export interface CreatedUser {
  user: InstanceType<typeof User>;
  id: string;
  email: string;
  /** The plain SHA-256 hex to send as the password. */
  password: string;
  phone?: string;
}

export async function createUser(opts: UserOptions = {}): Promise<CreatedUser> {
  counter += 1;
  const email = opts.email ?? `user${counter}.${randomBytes(3).toString('hex')}@example.com`;
  const password = opts.password ?? sha256Hex(`secret ${counter} ${randomBytes(4).toString('hex')}`);
  const user = await User.create({
    email,
    ...(opts.legacy ? { legacy_password: password } : { password: await bcrypt.hash(password, 4) }),
    country_code: opts.countryCode ?? 'us',
    facebook_id: opts.facebookId ?? '',
    facebook_name: opts.facebookName ?? '',
    device: opts.phone
      ? { phone: opts.phone, os: opts.os ?? 'android', reg_id: opts.regId ?? `token-${counter}` }
      : undefined,
  });
  if (opts.phone) await PhoneOwner.create({ _id: opts.phone, user_id: user._id });
  return { user, id: user._id.toHexString(), email, password, phone: opts.phone };
}

/** A supertest agent whose cookie jar holds a session from a real POST /login. */
export async function loginAgent(app: Express, email: string, password: string) {
  const agent = request.agent(app);
  const res = await agent
    .post('/login')
    .type('form')
    .send({ email, password, os: 'android', reg_id: 'agent-token', app_version: '1.1' });
  if (res.status !== 200) throw new Error(`login of ${email} failed: ${res.status} ${res.text}`);
  return agent;
}

/** iOS: the body concatenated without any percent-encoding, and no charset. */
export function iosBody(req: request.Test, body: string, contentType = 'application/x-www-form-urlencoded') {
  return req.set('Content-Type', contentType).send(body);
}

/** Android: every value percent-encoded, with an explicit charset. */
export function androidBody(req: request.Test, fields: Record<string, string>) {
  return req
    .set('Content-Type', 'application/x-www-form-urlencoded; charset=UTF-8')
    .send(new URLSearchParams(fields).toString());
}

/** The session cookie a response set (name=value only). */
export function sessionCookieOf(res: { headers: Record<string, unknown> }): string {
  const cookies = res.headers['set-cookie'];
  const list = Array.isArray(cookies) ? (cookies as string[]) : [];
  const cookie = list.find((c) => c.startsWith('session='));
  if (!cookie) throw new Error('no session cookie in the response');
  return cookie.split(';')[0]!;
}
