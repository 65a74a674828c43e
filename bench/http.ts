/**
 * Single requests the bench makes outside the load runs (logins for cookies, the
 * counted requests), with the Android app's form encoding (scripts/lib/appClient.ts).
 */
import { encodeForm } from '../scripts/lib/appClient';
import { BENCH_PASSWORD_HEX } from './seed';

export interface Reply {
  status: number;
  text: string;
  cookie?: string;
}

export async function call(baseUrl: string, method: string, path: string, cookie?: string, body?: string) {
  const headers: Record<string, string> = {};
  if (cookie) headers.cookie = cookie;
  if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded; charset=UTF-8';
  const res = await fetch(new URL(path, baseUrl), { method, headers, body });
  const text = await res.text();
  const setCookie = res.headers.get('set-cookie');
  const reply: Reply = { status: res.status, text, cookie: setCookie?.split(';')[0] };
  if (res.status !== 200) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 200)}`);
  return reply;
}

export function loginBody(email: string, regId: string): string {
  return encodeForm('android', {
    email,
    password: BENCH_PASSWORD_HEX,
    os: 'android',
    reg_id: regId,
    app_version: '1.1',
  });
}

/** Logs in and returns the session cookie (`name=value`). */
export async function loginCookie(baseUrl: string, email: string, regId: string): Promise<string> {
  const reply = await call(baseUrl, 'POST', '/login', undefined, loginBody(email, regId));
  if (!reply.cookie) throw new Error(`POST /login at ${baseUrl} set no cookie`);
  return reply.cookie;
}
