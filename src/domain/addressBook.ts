/**
 * Uploaded address books (../shared/CONTRACT.md §3 upload_address_book): a JSON list of
 * {"tel", "name"} objects that iOS often delivers truncated or corrupted, because its
 * unencoded body is cut at the first `&` of a name and `+`/`%` are rewritten on the way.
 *
 * Parsing is tolerant:
 *  1. the text as it is, when it is a JSON list;
 *  2. else the original server's repair: append `"}]` when the text does not end with it;
 *  3. else every well-formed flat {"key": scalar, …} object found anywhere in the text.
 * Entries without a usable phone number are skipped; duplicates collapse to the first
 * entry of each number (keeping a later name when the first one had none).
 */
import { normalisePhone } from './phone';
import { parseRequestJson } from './requestText';
import { JSON_STRING_CHAR, JSON_WS } from './textPatterns';

export interface AddressBookContact {
  /** The number in 00… form (domain/phone), which everything matches on. */
  tel: string;
  name: string;
  /**
   * The number as uploaded, when it differs from `tel`: both apps match the answers about
   * their contacts to them by exact string, so get_address_book gives it back as sent.
   */
  sent?: string;
}

export interface ParsedAddressBook {
  contacts: AddressBookContact[];
  /** Objects found in the text, usable or not. */
  objects: number;
  /** False when nothing in the text looked like an address book at all. */
  recognised: boolean;
}

export const MAX_CONTACT_NAME_LENGTH = 200;
const REPAIR_SUFFIX = '"}]';

// A flat JSON object with scalar values. Quantifiers are bounded, and no two quantifiers in
// a row can take the same characters: the whitespace after a value is read by the one before
// the `,` or, failing that, the one before the `}` (it used to be read by the pair's own and
// then the `}`'s, 100 x 100 ways to split a run of spaces). So a failed match attempt at one
// `{` costs a bounded amount of work whatever the input.
const STRING = String.raw`"(?:[^"\\\u0000-\u001f]|\\.){0,2000}"`;
const SCALAR = String.raw`(?:${STRING}|-?\d{1,40}(?:\.\d{1,40})?(?:[eE][+-]?\d{1,5})?|true|false|null)`;
const PAIR = String.raw`\s{0,100}${STRING}\s{0,100}:\s{0,100}${SCALAR}`;
const FLAT_OBJECT = String.raw`\{(?:${PAIR}(?:\s{0,100},${PAIR}){0,15})?\s{0,100}\}`;

/** The original server's repair of a truncated list. */
export function repairAddressBookText(text: string): string {
  return text.endsWith(REPAIR_SUFFIX) ? text : text + REPAIR_SUFFIX;
}

function parseJson(text: string): unknown {
  try {
    return parseRequestJson(text);
  } catch {
    return undefined;
  }
}

/** Every well-formed flat object in the text, in order, skipping everything else. */
export function scanFlatObjects(text: string): unknown[] {
  const found: unknown[] = [];
  for (const match of text.matchAll(new RegExp(FLAT_OBJECT, 'g'))) {
    const value = parseJson(match[0]); // the pattern admits escapes JSON refuses, like \q
    if (value !== undefined) found.push(value);
  }
  return found;
}

function toContact(item: unknown): AddressBookContact | null {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return null;
  const { tel, name } = item as { tel?: unknown; name?: unknown };
  if (typeof tel !== 'string' && typeof tel !== 'number') return null;
  const sent = String(tel);
  const phone = normalisePhone(sent);
  if (!phone) return null;
  const text = typeof name === 'string' ? name.trim().slice(0, MAX_CONTACT_NAME_LENGTH) : '';
  return sent === phone ? { tel: phone, name: text } : { tel: phone, name: text, sent };
}

function dedupe(contacts: AddressBookContact[]): AddressBookContact[] {
  const byTel = new Map<string, AddressBookContact>();
  for (const c of contacts) {
    const seen = byTel.get(c.tel);
    if (!seen) byTel.set(c.tel, c);
    else if (seen.name === '' && c.name !== '') seen.name = c.name;
  }
  return [...byTel.values()];
}

function listIn(text: string): unknown[] | undefined {
  const whole = parseJson(text);
  if (Array.isArray(whole)) return whole as unknown[];
  const repaired = parseJson(repairAddressBookText(text));
  return Array.isArray(repaired) ? (repaired as unknown[]) : undefined;
}

export function parseAddressBook(text: string): ParsedAddressBook {
  const list = listIn(text);
  const items = list ?? scanFlatObjects(text);
  const contacts = dedupe(items.map(toContact).filter((c): c is AddressBookContact => c !== null));
  return { contacts, objects: items.length, recognised: list !== undefined || items.length > 0 };
}

/** The same entry: same number, name and form as sent. */
function sameEntry(a: AddressBookContact, b: AddressBookContact | undefined): boolean {
  return b !== undefined && a.name === b.name && (a.sent ?? a.tel) === (b.sent ?? b.tel);
}

/**
 * What turns the stored book into the uploaded one: numbers to remove (gone, renamed or
 * written differently) and contacts to add (new, renamed or written differently). Changes
 * are a remove and an add because two bulk operations cost less than one update each.
 */
export function diffAddressBook(
  stored: readonly AddressBookContact[],
  uploaded: readonly AddressBookContact[],
): { remove: string[]; add: AddressBookContact[] } {
  const before = new Map(stored.map((c) => [c.tel, c]));
  const after = new Map(uploaded.map((c) => [c.tel, c]));
  const remove = stored.filter((c) => !sameEntry(c, after.get(c.tel))).map((c) => c.tel);
  const add = uploaded.filter((c) => !sameEntry(c, before.get(c.tel)));
  return { remove, add };
}

// At most 400 characters, escapes included: an escape is up to 5 of STRING's 2,000.
const BOUNDED_STRING = String.raw`"(?:${JSON_STRING_CHAR}|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})){0,400}"`;
const BOUNDED_NUMBER = String.raw`-?(?:0|[1-9][0-9]{0,39})(?:\.[0-9]{1,40})?(?:[eE][+-]?[0-9]{1,5})?`;
const JSON_PAIR = `${JSON_WS}{0,100}${BOUNDED_STRING}${JSON_WS}{0,100}:${JSON_WS}{0,100}(?:${BOUNDED_STRING}|${BOUNDED_NUMBER}|true|false|null)`;

/**
 * Any text holding a flat object that JSON reads (valid escapes and numbers, JSON whitespace)
 * as a JSON Schema pattern (textPatterns): scanFlatObjects finds such an object wherever it
 * stands, unless an earlier object that JSON refuses runs over it, so an address_book field
 * holding one is taken.
 */
export const ADDRESS_BOOK_OBJECT_PATTERN = String.raw`\{(?:${JSON_PAIR}(?:${JSON_WS}{0,100},${JSON_PAIR}){0,15})?${JSON_WS}{0,100}\}`;
