/**
 * Phone numbers and push tokens as the apps send them (../shared/CONTRACT.md §3).
 *
 * Numbers are meant to be `00` + country code + national number, but neither app cleans
 * them fully: Android strips only spaces, `-` and `/` (French dotted numbers arrive as
 * `00336.12.34.56.78`; `(`, `)`, `*`, `#` survive), iOS keeps `/`, `*`, `#`, `,`, no-break
 * spaces and the Unicode direction marks its address book puts around numbers. The original
 * server stored any string. One rule, used wherever a number comes in (send receivers,
 * bottles, define_first_phone_number, upload_contacts, address books, the legacy import,
 * FOUNDER_PHONES), so that the same person's number always matches:
 *
 *  1. text longer than MAX_PHONE_INPUT_LENGTH is not a number (checked before anything else);
 *  2. leading characters that are neither digits nor `+` are dropped (marks, spaces, `(`);
 *  3. a `(0)` (the trunk zero written inside international numbers) is dropped, as iOS does;
 *  4. only the digits are kept, and a leading `+` reads as `00`;
 *  5. the result is usable when it has MIN_PHONE_DIGITS to MAX_PHONE_DIGITS digits: below 4
 *     nothing is a subscriber number anywhere, and E.164's 15 digits plus `00` fit in 20.
 */
export const MAX_PHONE_INPUT_LENGTH = 64;
export const MIN_PHONE_DIGITS = 4;
export const MAX_PHONE_DIGITS = 20;

/** The `00…` digits of a number, or null when the text holds no usable number. */
export function normalisePhone(raw: string): string | null {
  if (raw.length > MAX_PHONE_INPUT_LENGTH) return null;
  const start = raw.search(/[\d+]/);
  if (start < 0) return null;
  const text = raw.slice(start).replaceAll('(0)', '');
  const digits = text.replace(/\D/g, '');
  const phone = text.startsWith('+') ? `00${digits}` : digits;
  return phone.length >= MIN_PHONE_DIGITS && phone.length <= MAX_PHONE_DIGITS ? phone : null;
}

/**
 * The rule above as a JSON Schema pattern body (textPatterns), for a text of at most
 * MAX_PHONE_INPUT_LENGTH characters: leading characters that are neither digits nor `+`,
 * then a `+` and 2 to 18 digits or a digit and 3 to 19 more, each `(0)` counting none.
 * `excluded` (class syntax) names characters the text cannot hold, as `"` inside JSON.
 */
export function phoneTextPattern(excluded = ''): string {
  const lead = `[^0-9+${excluded}]`;
  // A `(` not opening `(0)`, so that each text splits into these one way only.
  const other = String.raw`(?:\(0\)|\((?!0\))|[^0-9(${excluded}])`;
  const digits = (min: number, max: number) => `(?:${other}*[0-9]){${min},${max}}`;
  const plus = String.raw`\+${digits(MIN_PHONE_DIGITS - 2, MAX_PHONE_DIGITS - 2)}`;
  const bare = `[0-9]${digits(MIN_PHONE_DIGITS - 1, MAX_PHONE_DIGITS - 1)}`;
  return `${lead}*(?:${plus}|${bare})${other}*`;
}

/**
 * A shorter form of phoneTextPattern that no text over MAX_PHONE_INPUT_LENGTH matches, for
 * numbers inside JSON lists, where no second pattern can bound one item's length: at most 4
 * leading characters and 2 between digits, and no `(`.
 */
export function boundedPhoneTextPattern(excluded = ''): string {
  const lead = `[^0-9+(${excluded}]{0,4}`;
  const other = `[^0-9(${excluded}]{0,2}`;
  const digits = (min: number, max: number) => `(?:${other}[0-9]){${min},${max}}`;
  const plus = String.raw`\+${digits(MIN_PHONE_DIGITS - 2, MAX_PHONE_DIGITS - 2)}`;
  const bare = `[0-9]${digits(MIN_PHONE_DIGITS - 1, MAX_PHONE_DIGITS - 1)}`;
  return `${lead}(?:${plus}|${bare})${other}`;
}

/**
 * A number as an app sent it, with its 00… form. Both apps match the answers about their
 * contacts (upload_contacts, get_address_book) to them by exact string, so answers give
 * numbers back as they were sent; everything else uses `phone`.
 */
export interface SentNumber {
  sent: string;
  phone: string;
}

/** The distinct usable numbers of a JSON list as sent, in order; other entries are skipped. */
export function sentNumbers(list: readonly unknown[], max: number): SentNumber[] {
  const numbers = new Map<string, SentNumber>();
  for (const v of list.slice(0, max)) {
    if (typeof v !== 'string' && typeof v !== 'number') continue;
    const sent = String(v);
    const phone = normalisePhone(sent);
    if (phone && !numbers.has(sent)) numbers.set(sent, { sent, phone });
  }
  return [...numbers.values()];
}

/** The last two digits: enough for an operator to tell numbers apart in a log, not to dial one. */
export function phoneHint(phone: string): string {
  return `…${phone.slice(-2)}`;
}

/** Push token: iOS sends "(null)" when it has none, Android may send "" (../shared/CONTRACT.md §4). */
export function normaliseRegId(raw: string | undefined): string {
  const s = (raw ?? '').trim();
  return s === '(null)' ? '' : s;
}
