/**
 * Phone numbers and push tokens as the apps send them. Numbers are always `00` + country
 * code + national number (CONTRACT.md §3); a `+` or separators typed by hand are
 * tolerated, anything else that is not a digit is refused.
 */
export const MAX_PHONE_DIGITS = 20;

/** `00…` digits, or null when the text is not a phone number. */
export function normalisePhone(raw: string): string | null {
  let s = raw.trim().replace(/[\s-]/g, '');
  if (s.startsWith('+')) s = `00${s.slice(1)}`;
  return new RegExp(`^\\d{4,${MAX_PHONE_DIGITS}}$`).test(s) ? s : null;
}

/** Push token: iOS sends "(null)" when it has none, Android may send "" (CONTRACT.md §4). */
export function normaliseRegId(raw: string | undefined): string {
  const s = (raw ?? '').trim();
  return s === '(null)' ? '' : s;
}
