/**
 * Building blocks of the JSON Schema patterns that say exactly which texts a form field takes
 * (src/openapi). A pattern is ECMA-262 source read as JSON Schema tools read it: with
 * code-point semantics (JavaScript's `u` flag), so it names no character by an escape that
 * flag refuses. Each rule's own module exports the pattern of its texts, and a unit test
 * checks the pattern against the rule's parser.
 *
 * Lengths: the edge counts UTF-16 units (String.length), JSON Schema counts code points; the
 * two differ only for characters beyond U+FFFF, which the field descriptions mention.
 */

/** What String.prototype.trim and `\s` take: ECMAScript WhiteSpace and LineTerminator. */
export const TRIMMED = String.raw`\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff`;
/** The trimmed characters JSON admits raw inside a string (it refuses control characters). */
export const TRIMMED_IN_JSON_STRING = String.raw` \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff`;

export const WS = `[${TRIMMED}]`;
export const NON_WS = `[^${TRIMMED}]`;
/** Any character (`.` leaves line terminators out). */
export const ANY = String.raw`[\s\S]`;

/** JSON's own whitespace, the only one JSON.parse skips around values. */
export const JSON_WS = String.raw`[ \t\n\r]`;
/** A character JSON admits raw inside a string: not `"`, `\` or a control character. */
export const JSON_STRING_CHAR = String.raw`[^"\\\u0000-\u001f]`;
/** A JSON string without escapes. */
export const JSON_PLAIN_STRING = `"${JSON_STRING_CHAR}*"`;

export const OBJECT_ID = '[0-9a-fA-F]{24}';

/** The JSON Schema keywords of a text that must match each of `patterns`. */
export function matchingAll([first, ...rest]: readonly string[]): {
  pattern?: string;
  allOf: { pattern: string }[];
} {
  return { pattern: first, allOf: rest.map((pattern) => ({ pattern })) };
}

/**
 * A text whose trimmed form has `min` (0 or 1) to `max` characters. With min 1 the trimmed
 * text starts and ends with a non-blank character; with min 0 any run of at most `max`
 * characters between blanks will do (trimming only shortens it).
 */
export function trimmedLengthPattern(min: 0 | 1, max: number): string {
  if (min === 0) return `^${WS}*${ANY}{0,${max}}${WS}*$`;
  if (max < 2) throw new Error('trimmedLengthPattern: max must be at least 2');
  return `^${WS}*${NON_WS}(?:${ANY}{0,${max - 2}}${NON_WS})?${WS}*$`;
}

/**
 * A JSON list, between JSON whitespace, of items matching `item`, which holds no `"` but its
 * two quotes. The number of items is jsonListCountPattern's: a bounded repetition of the
 * item itself would be too large for the validators' regex engines.
 */
export function jsonListPattern(item: string, min: 0 | 1): string {
  const items = `${item}(?:${JSON_WS}*,${JSON_WS}*${item})*`;
  const body = min === 0 ? `(?:${items})?` : items;
  return `^${JSON_WS}*\\[${JSON_WS}*${body}${JSON_WS}*\\]${JSON_WS}*$`;
}

/** `min` to `max` items of a jsonListPattern list, counted by their quotes. */
export function jsonListCountPattern(min: number, max: number): string {
  return `^[^"]*(?:"[^"]*"[^"]*){${min},${max}}$`;
}

/** A JSON string, escapes included. */
export const JSON_STRING = String.raw`"(?:${JSON_STRING_CHAR}|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"`;
export const JSON_NUMBER = String.raw`-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?`;
const JSON_SCALAR = `(?:${JSON_STRING}|${JSON_NUMBER}|true|false|null)`;
const JSON_SCALARS = `(?:${JSON_SCALAR}(?:${JSON_WS}*,${JSON_WS}*${JSON_SCALAR})*)?`;
const JSON_PAIRS = `(?:${JSON_STRING}${JSON_WS}*:${JSON_WS}*${JSON_SCALAR}(?:${JSON_WS}*,${JSON_WS}*${JSON_STRING}${JSON_WS}*:${JSON_WS}*${JSON_SCALAR})*)?`;
/** A JSON value nested at most once: a scalar, or a list or object of scalars. */
const JSON_SHALLOW_VALUE = String.raw`(?:${JSON_SCALAR}|\[${JSON_WS}*${JSON_SCALARS}${JSON_WS}*\]|\{${JSON_WS}*${JSON_PAIRS}${JSON_WS}*\})`;

/**
 * A JSON list once trimmed, of values nested at most once (deeper lists are JSON lists too:
 * the field descriptions say so).
 */
export const JSON_LIST_TEXT_PATTERN = String.raw`^${WS}*\[${JSON_WS}*(?:${JSON_SHALLOW_VALUE}(?:${JSON_WS}*,${JSON_WS}*${JSON_SHALLOW_VALUE})*)?${JSON_WS}*\]${WS}*$`;
