/**
 * The operator's console through HTTP, as a browser would use it: sign in with the token
 * (the cookie kept by the agent), read the page, and post its forms with the CSRF field
 * the page carries.
 */
import type { Express } from 'express';
import request from 'supertest';

export const OPS_TOKEN = 'operator-token-for-console-tests-0123456789';

export interface OpsAgent {
  agent: ReturnType<typeof request.agent>;
  csrf: string;
  page(path?: string): Promise<string>;
  post(path: string, fields?: Record<string, string>): request.Test;
}

export function csrfOf(page: string): string {
  const m = /name="csrf" value="([^"]+)"/.exec(page);
  if (!m) throw new Error('no csrf field on the page');
  return m[1]!;
}

export async function signedInAgent(app: Express, token = OPS_TOKEN): Promise<OpsAgent> {
  const agent = request.agent(app);
  await agent.post('/ops/sign-in').type('form').send({ token }).expect(303);
  const first = await agent.get('/ops').expect(200);
  const ops: OpsAgent = {
    agent,
    csrf: csrfOf(first.text),
    page: async (path = '/ops') => (await agent.get(path).expect(200)).text,
    post: (path, fields = {}) =>
      agent
        .post(path)
        .type('form')
        .send({ csrf: ops.csrf, ...fields }),
  };
  return ops;
}

/** The page's text as a reader sees it: tags removed, entities of ours decoded, spaces collapsed. */
export function textOf(page: string): string {
  return page
    .replace(/<[^>]*>/g, ' ')
    .replace(/&#(\d+);/g, (_m, c: string) => String.fromCharCode(Number(c)))
    .replace(/\s+/g, ' ')
    .trim();
}

/** The labels of the page's buttons, in order. */
export function buttonsOf(page: string): string[] {
  return [...page.matchAll(/<button[^>]*>([\s\S]*?)<\/button\s*>/g)].map((m) => textOf(m[1]!));
}
