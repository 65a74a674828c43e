/**
 * Emails are the account key (../shared/CONTRACT.md §2). iOS sends bodies without percent-encoding,
 * so a `+` in an address reaches us as a space: normalising puts it back, and both apps
 * then find the same account.
 */
import { TRIMMED, WS } from './textPatterns';

export const MAX_EMAIL_LENGTH = 254;

/** Trimmed, lower-cased, every inner space back to `+`. */
export function normaliseEmail(raw: string): string {
  return raw.trim().toLowerCase().replace(/ /g, '+');
}

/** A plausible address once normalised: one `@`, no whitespace, a dotted domain. */
export function isValidEmail(normalised: string): boolean {
  return normalised.length <= MAX_EMAIL_LENGTH && /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/.test(normalised);
}

/**
 * The shape of the texts that normalise to a valid address, as a JSON Schema pattern
 * (textPatterns): blanks around, then the shape isValidEmail checks, where an inner space
 * (a `+` sent unencoded by iOS) stands for `+`. The length (at most MAX_EMAIL_LENGTH once
 * trimmed) is a pattern of its own: trimmedLengthPattern.
 */
export function validEmailShapePattern(): string {
  const char = `(?:[^@${TRIMMED}]| )`;
  const label = `(?:[^@.${TRIMMED}]| )`;
  const local = `[^@${TRIMMED}]${char}*`;
  const domain = String.raw`(?:${label}+\.)+${label}*[^@.${TRIMMED}]`;
  return `^${WS}*${local}@${domain}${WS}*$`;
}
