/**
 * U+0000 never reaches a record: wherever a request's text is decoded (form fields, query
 * strings, JSON carried in them, the account page's JSON bodies) it becomes U+FFFD, as a
 * byte that is not UTF-8 already does (domain/form). No field of the apps holds one, and
 * PostgreSQL stores no text with one (FerretDB over it failed every query and write that
 * carried it, a 503), so one NUL must not decide whether a request works.
 */
const NUL = '\u0000';
const REPLACEMENT = '\uFFFD';

/** The text with every U+0000 replaced by U+FFFD. */
export function withoutNul(text: string): string {
  return text.includes(NUL) ? text.replaceAll(NUL, REPLACEMENT) : text;
}

/** JSON.parse's reviver that applies withoutNul to every string value. */
export function reviveWithoutNul(_key: string, value: unknown): unknown {
  return typeof value === 'string' ? withoutNul(value) : value;
}

/**
 * JSON.parse for JSON found in a request, its strings without U+0000. Raw control
 * characters are no JSON, so a NUL can come only from a `\u0000` escape: a text without
 * one is parsed without the reviver, which would cost a call per value of a 5 MB book.
 */
export function parseRequestJson(text: string): unknown {
  return /\\u0000/.test(text) ? JSON.parse(text, reviveWithoutNul) : JSON.parse(text);
}
