import { loopBackoffMs, recordRetryMs, retryDelayMs } from '../../src/push/backoff';
import { parseRetryAfter } from '../../src/push/types';

const settings = { baseMs: 1000, maxMs: 60_000 };

describe('retryDelayMs', () => {
  it('when attempts grow then the delay doubles, between half and all of the ceiling', () => {
    expect(retryDelayMs(1, settings, () => 0)).toBe(500);
    expect(retryDelayMs(1, settings, () => 1)).toBe(1000);
    expect(retryDelayMs(2, settings, () => 1)).toBe(2000);
    expect(retryDelayMs(4, settings, () => 0.5)).toBe(6000);
  });

  it('when attempts are many then the delay stays under the maximum', () => {
    expect(retryDelayMs(40, settings, () => 1)).toBe(60_000);
    expect(retryDelayMs(1000, settings, () => 0)).toBe(30_000);
  });

  it('when the provider sends Retry-After then the delay is at least that', () => {
    expect(retryDelayMs(1, settings, () => 0, 7000)).toBe(7000);
    expect(retryDelayMs(3, settings, () => 1, 100)).toBe(4000);
  });

  it('when Retry-After is absurd then it is capped at four times the maximum', () => {
    expect(retryDelayMs(1, settings, () => 0, 86_400_000)).toBe(240_000);
  });
});

describe('database back-off', () => {
  it('when errors repeat then the loop pause grows to 10 s and the record retry to 2 s', () => {
    expect(loopBackoffMs(1, () => 1)).toBe(250);
    expect(loopBackoffMs(3, () => 1)).toBe(1000);
    expect(loopBackoffMs(50, () => 1)).toBe(10_000);
    expect(recordRetryMs(1, () => 1)).toBe(100);
    expect(recordRetryMs(50, () => 0)).toBe(1000);
  });
});

describe('parseRetryAfter', () => {
  it('when the header holds seconds then they become milliseconds', () => {
    expect(parseRetryAfter('120')).toBe(120_000);
    expect(parseRetryAfter(' 1.5 ')).toBe(1500);
  });

  it('when the header holds an HTTP date then the wait runs until it', () => {
    const now = Date.parse('2025-01-15T12:00:00Z');
    expect(parseRetryAfter('Wed, 15 Jan 2025 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 15 Jan 2025 11:00:00 GMT', now)).toBe(0);
  });

  it('when the header is missing, negative or garbage then there is no wait', () => {
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter('')).toBeUndefined();
    expect(parseRetryAfter('-5')).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});
