import type { Request, Response } from 'express';
import { staysAfterDeletion } from '../../src/domain/accountDeletion';
import { pageLanguage } from '../../src/domain/language';
import { AppError } from '../../src/errors';
import { csrfToken, requireCsrfToken, sameOrigin } from '../../src/http/pageGuard';

describe('pageLanguage', () => {
  it.each([
    [undefined, 'en'],
    ['', 'en'],
    ['fr', 'fr'],
    ['fr-CA,fr;q=0.9,en;q=0.8', 'fr'],
    ['en-US,en;q=0.9,fr;q=0.8', 'en'],
    ['de-DE,de;q=0.9,fr;q=0.5,en;q=0.3', 'fr'],
    ['en;q=0.4,fr;q=0.6', 'fr'],
    ['fr;q=0,en', 'en'],
    ['de, ja', 'en'],
    [`${'x-'.repeat(200)},fr`, 'en'], // the header is read up to its bound only
  ])('when Accept-Language is %p then %s', (header, lang) => {
    expect(pageLanguage(header)).toBe(lang);
  });
});

describe('staysAfterDeletion', () => {
  const now = new Date('2025-06-01T12:00:00Z');
  const past = new Date('2025-05-01T00:00:00Z');
  const future = new Date('2025-07-01T00:00:00Z');
  const sent = { senderId: 'u', receiverId: 'r', deliveryTime: past, blocked: false };

  it('when the user sent it and it reached another account then it stays', () => {
    expect(staysAfterDeletion(sent, 'u', now)).toBe(true);
    expect(staysAfterDeletion({ ...sent, deliveryTime: now }, 'u', now)).toBe(true);
  });

  it.each([
    ['received by the user', { ...sent, senderId: 'r', receiverId: 'u' }],
    ['sent to themselves', { ...sent, receiverId: 'u' }],
    ['due later', { ...sent, deliveryTime: future }],
    ['blocked', { ...sent, blocked: true }],
    ['a bottle no account claimed', { ...sent, receiverId: null }],
  ])('when %s then it goes', (_what, m) => {
    expect(staysAfterDeletion(m, 'u', now)).toBe(false);
  });
});

/** Runs a middleware on a request with these headers; returns what it passed to next. */
function run(mw: (req: Request, res: Response, next: (e?: unknown) => void) => void, req: Partial<Request>) {
  let passed: unknown = 'not called';
  mw(req as Request, {} as Response, (e?: unknown) => (passed = e));
  return passed;
}

describe('sameOrigin', () => {
  const guard = sameOrigin('http://instant-pictever.herokuapp.com/');
  const headers = (h: Record<string, string>) => ({ headers: { host: 'app.example:5000', ...h } });

  it.each([
    ['no Origin and no Sec-Fetch-Site (not a browser)', {}],
    ['an Origin naming the Host', { origin: 'http://app.example:5000' }],
    ['the same host over https (a proxy ends TLS)', { origin: 'https://app.example:5000' }],
    ["PUBLIC_URL's origin", { origin: 'http://instant-pictever.herokuapp.com' }],
    ['Sec-Fetch-Site same-origin', { 'sec-fetch-site': 'same-origin' }],
    ['Sec-Fetch-Site none (typed in the address bar)', { 'sec-fetch-site': 'none' }],
  ])('when %s then it passes', (_what, h) => {
    expect(run(guard, headers(h))).toBeUndefined();
  });

  it.each([
    ['another origin', { origin: 'https://evil.example' }],
    ['another port', { origin: 'http://app.example:6000' }],
    ['an opaque origin', { origin: 'null' }],
    ['an origin past its bound', { origin: `http://${'a'.repeat(600)}.example` }],
    ['Sec-Fetch-Site cross-site', { 'sec-fetch-site': 'cross-site' }],
    ['Sec-Fetch-Site same-site', { 'sec-fetch-site': 'same-site' }],
  ])('when %s then 403', (_what, h) => {
    const err = run(guard, headers(h));
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).status).toBe(403);
  });
});

describe('requireCsrfToken', () => {
  const guard = requireCsrfToken('secret-0123456789abcdef0123456789abcdef');
  const token = csrfToken('secret-0123456789abcdef0123456789abcdef', 'sid-1');

  it("when the header is the session's token then it passes", () => {
    expect(run(guard, { sessionID: 'sid-1', headers: { 'x-csrf-token': token } })).toBeUndefined();
  });

  it.each([
    ['missing', {}],
    ["another session's", { 'x-csrf-token': csrfToken('secret-0123456789abcdef0123456789abcdef', 'sid-2') }],
    ['under another secret', { 'x-csrf-token': csrfToken('another-secret', 'sid-1') }],
    ['of another length', { 'x-csrf-token': `${token}x` }],
  ])('when the token is %s then 403', (_what, h) => {
    const err = run(guard, { sessionID: 'sid-1', headers: h });
    expect((err as AppError).status).toBe(403);
  });
});
