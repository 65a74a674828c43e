/**
 * Password-reset codes (../shared/CONTRACT.md §3 send_reset_mail): short A–Z0–9 codes read from an
 * email and typed back. Only an HMAC of the code is stored, keyed with a server secret
 * and bound to the code's own id, so a stolen database does not give usable codes.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const RESET_CODE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** `randomInt(max)` returns an integer in [0, max); production passes crypto.randomInt. */
export function generateResetCode(length: number, randomInt: (max: number) => number): string {
  let code = '';
  for (let i = 0; i < length; i++) {
    const n = randomInt(RESET_CODE_ALPHABET.length);
    if (!Number.isInteger(n) || n < 0 || n >= RESET_CODE_ALPHABET.length) {
      throw new RangeError(`randomInt returned ${n}`);
    }
    code += RESET_CODE_ALPHABET[n];
  }
  return code;
}

/** What the user typed, compared case-insensitively and without surrounding spaces. */
export function normaliseResetCode(typed: string): string {
  return typed.trim().toUpperCase();
}

export function hashResetCode(pepper: string, codeId: string, code: string): string {
  return createHmac('sha256', pepper)
    .update(`${codeId}:${normaliseResetCode(code)}`)
    .digest('hex');
}

/** Constant-time check of a typed code against the stored hash. */
export function resetCodeMatches(pepper: string, codeId: string, typed: string, storedHash: string): boolean {
  const given = Buffer.from(hashResetCode(pepper, codeId, typed), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return given.length === stored.length && timingSafeEqual(given, stored);
}
