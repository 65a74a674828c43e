/**
 * The account page's requests as its script sends them (src/pages/account/static/account.js):
 * JSON bodies, the X-CSRF-Token of the session after the sign-in, and the headers of a
 * same-origin browser request (Origin naming the Host).
 */
import type { Express } from 'express';
import request, { type Agent } from 'supertest';

export const PAGE_HOST = 'pictever.test';
export const SAME_ORIGIN = { Host: PAGE_HOST, Origin: `http://${PAGE_HOST}` };

export interface PageSession {
  agent: Agent;
  token: string;
  /** The session cookie's Set-Cookie line at sign-in. */
  setCookie: string;
}

export function pageLogin(agent: Agent | ReturnType<typeof request>, email: string, password: string) {
  return agent.post('/account/login').set(SAME_ORIGIN).send({ email, password });
}

/** Signs in on the page; throws unless the answer is a session. */
export async function pageSignIn(app: Express, email: string, password: string): Promise<PageSession> {
  const agent = request.agent(app);
  const res = await pageLogin(agent, email, password);
  if (res.status !== 200 || res.body.state !== 'signed_in') {
    throw new Error(`page sign-in of ${email}: ${res.status} ${res.text}`);
  }
  const cookies = res.headers['set-cookie'] as unknown as string[];
  const setCookie = cookies.find((c) => c.startsWith('session=')) ?? '';
  return { agent, token: res.body.csrf_token as string, setCookie };
}

/** A guarded request of the page: same origin, with the session's token. */
export function pageCall(s: PageSession, method: 'get' | 'post', path: string) {
  return s.agent[method](path).set(SAME_ORIGIN).set('X-CSRF-Token', s.token);
}
