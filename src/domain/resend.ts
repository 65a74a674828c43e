/** The delay added when a receiver asks to get a message again (../shared/CONTRACT.md §3 resend). */
import { randomInt, type RandomSource } from './random';

/** Original delays under this, or users with few future messages, get a fresh delay. */
export const RESEND_LONG_DELAY = 10_000_000;
export const RESEND_MIN_FUTURE_MESSAGES = 10;
export const RESEND_FRESH_DELAY = { min: 7_500_000, max: 12_500_000 } as const;

/**
 * Seconds to add to the old delivery time: the original delay (delivery − created), or a
 * fresh one in [7.5M, 12.5M] s when it is short or the user has few future messages, then
 * drawn uniformly in [0.75 ×, 1.25 ×] that delay.
 */
export function resendDelaySeconds(
  originalDelaySeconds: number,
  futureMessages: number,
  random: RandomSource,
): number {
  let delay = Math.floor(originalDelaySeconds);
  if (delay < RESEND_LONG_DELAY || futureMessages < RESEND_MIN_FUTURE_MESSAGES) {
    delay = randomInt(random, RESEND_FRESH_DELAY.min, RESEND_FRESH_DELAY.max);
  }
  return randomInt(random, Math.ceil(0.75 * delay), Math.floor(1.25 * delay));
}
