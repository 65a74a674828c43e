/**
 * Emails are the account key (../shared/CONTRACT.md §2). iOS sends bodies without percent-encoding,
 * so a `+` in an address reaches us as a space: normalising puts it back, and both apps
 * then find the same account.
 */
export const MAX_EMAIL_LENGTH = 254;

/** Trimmed, lower-cased, every inner space back to `+`. */
export function normaliseEmail(raw: string): string {
  return raw.trim().toLowerCase().replace(/ /g, '+');
}

/** A plausible address once normalised: one `@`, no whitespace, a dotted domain. */
export function isValidEmail(normalised: string): boolean {
  return normalised.length <= MAX_EMAIL_LENGTH && /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/.test(normalised);
}
