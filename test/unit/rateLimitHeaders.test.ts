/** The IETF RateLimit header fields of a 429 (src/http/rateLimitHeaders.ts). */
import { rateLimitHeaders } from '../../src/http/rateLimitHeaders';

describe('rateLimitHeaders', () => {
  it('when a 429 names no limit then no fields (Retry-After alone)', () => {
    expect(rateLimitHeaders([], 5)).toBeUndefined();
  });

  it('when one limit is over then its quota and window, none remaining, reset in Retry-After seconds', () => {
    expect(rateLimitHeaders([{ name: 'signup:addr', quota: 5, windowSeconds: 3600 }], 120)).toEqual({
      'RateLimit-Policy': '"signup:addr";q=5;w=3600',
      RateLimit: '"signup:addr";r=0;t=120',
    });
  });

  it('when several limits are over then one list member each, in order', () => {
    const fields = rateLimitHeaders(
      [
        { name: 'login:fail:addr', quota: 50, windowSeconds: 900 },
        { name: 'login:fail:acct', quota: 10, windowSeconds: 900.4 },
      ],
      30,
    );
    expect(fields?.['RateLimit-Policy']).toBe('"login:fail:addr";q=50;w=900, "login:fail:acct";q=10;w=900');
    expect(fields?.RateLimit).toBe('"login:fail:addr";r=0;t=30, "login:fail:acct";r=0;t=30');
  });

  it('when a name holds a quote, a backslash or a non-ASCII character then it stays one valid sf-string', () => {
    const fields = rateLimitHeaders([{ name: 'a"b\\cé', quota: 1, windowSeconds: 1 }], 1);
    expect(fields?.RateLimit).toBe('"a\\"b\\\\c?";r=0;t=1');
  });
});
