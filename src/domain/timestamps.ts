/**
 * Epoch seconds as the apps write and read them (../shared/CONTRACT.md §3 receive_all): any float
 * text in, Python-style float text out.
 */

/** Latest instant a JavaScript Date can hold, in seconds (year 275760). */
export const MAX_DATE_SECONDS = 8.64e12;

/** A number of epoch seconds a Date can hold (JSON numbers skip the text checks). */
export function isEpochSeconds(value: number): boolean {
  return Number.isFinite(value) && Math.abs(value) <= MAX_DATE_SECONDS;
}

/**
 * Longer than any float the apps print (Java's Double.toString and Python's repr stay under
 * 25 characters); longer texts are refused before any pattern runs.
 */
export const MAX_EPOCH_TEXT_LENGTH = 64;

// Decimal float: "1412932000", "1418000000.123456", Java's "1.418000000123E9", ".5", "7.".
// The dot is required between the two digit runs, so no two quantifiers can share a digit
// (the former `\d+\.?\d*` backtracked quadratically on a long run of digits and a bad end).
const FLOAT_TEXT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Parses epoch seconds written in any float form; undefined when it is not one. */
export function parseEpochSeconds(text: string | undefined | null): number | undefined {
  if (text === undefined || text === null) return undefined;
  const trimmed = text.trim();
  if (trimmed.length > MAX_EPOCH_TEXT_LENGTH || !FLOAT_TEXT.test(trimmed)) return undefined;
  const value = Number(trimmed);
  return isEpochSeconds(value) ? value : undefined;
}

/** A Date from epoch seconds (fractions kept to the millisecond). */
export function fromEpochSeconds(seconds: number): Date {
  return new Date(Math.round(seconds * 1000));
}

/**
 * Whole epoch seconds as Python's str(float) printed them in the original server
 * (str(time.mktime(...)) is always "<seconds>.0"): "1425470000.0". The apps drop duplicate
 * messages on (message_id, received_at), so the text must not change between calls.
 */
export function floatSecondsText(date: Date): string {
  return `${Math.floor(date.getTime() / 1000)}.0`;
}

/**
 * The current time as a JSON number literal of float seconds. A whole second still gets
 * its fraction ("1425470000.0"), as Python's json.dumps(time.time()) always wrote one.
 */
export function jsonFloatSeconds(date: Date): string {
  const seconds = date.getTime() / 1000;
  return Number.isInteger(seconds) ? `${seconds}.0` : String(seconds);
}
