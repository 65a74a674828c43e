import { RESEND_FRESH_DELAY, resendDelaySeconds } from '../../src/domain/resend';

describe('resendDelaySeconds', () => {
  it('when the original delay is long and the user has many future messages then it is kept, ±25 %', () => {
    expect(resendDelaySeconds(20_000_000, 10, () => 0)).toBe(15_000_000);
    expect(resendDelaySeconds(20_000_000, 10, () => 0.99999999)).toBe(25_000_000);
  });

  it('when the original delay is under 10,000,000 s then a fresh delay in [7.5M, 12.5M] s is used', () => {
    // First draw: the fresh delay; second: within ±25 % of it.
    const draws = [0, 0];
    expect(resendDelaySeconds(3600, 50, () => draws.shift() ?? 0)).toBe(0.75 * RESEND_FRESH_DELAY.min);
    const high = [0.99999999, 0.99999999];
    expect(resendDelaySeconds(3600, 50, () => high.shift() ?? 0)).toBe(1.25 * RESEND_FRESH_DELAY.max);
  });

  it('when the user has fewer than 10 future messages then even a long delay is replaced', () => {
    const draws = [0, 0.99999999];
    expect(resendDelaySeconds(50_000_000, 9, () => draws.shift() ?? 0)).toBe(1.25 * RESEND_FRESH_DELAY.min);
  });

  it('when drawn many times then the result stays within [0.75 × 7.5M, 1.25 × 12.5M]', () => {
    for (let i = 0; i < 200; i++) {
      const d = resendDelaySeconds(0, 0, Math.random);
      expect(d).toBeGreaterThanOrEqual(5_625_000);
      expect(d).toBeLessThanOrEqual(15_625_000);
      expect(Number.isInteger(d)).toBe(true);
    }
  });
});
