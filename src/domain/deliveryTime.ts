/**
 * When a message is delivered (../shared/CONTRACT.md §3 send, delivery_option): now, a calendar
 * date, a send choice (relative delay, absolute date, random), or the legacy random resend.
 */
import type { SendChoiceRule } from './catalogRules';
import { isObjectIdHex } from './objectId';
import type { Parsed } from './parsed';
import { randomInt, type RandomSource } from './random';
import { parseRequestJson } from './requestText';
import { JSON_PLAIN_STRING, JSON_WS, OBJECT_ID, TRIMMED_IN_JSON_STRING, WS } from './textPatterns';
import { fromEpochSeconds, isEpochSeconds, parseEpochSeconds } from './timestamps';

/** The original's draw (../shared/CONTRACT.md §3 send): about 2 to 9.5 months, in seconds. */
export const RANDOM_DELAY = { min: 5_259_487, max: 25_000_000 } as const;

export type DeliveryOption =
  | { kind: 'now' }
  | { kind: 'calendar'; at: number } // epoch seconds
  | { kind: 'resend' }
  | { kind: 'choice'; key: string }; // a send choice's _id hex, lower-case

/** A JSON number or a float text; 8.64e12 at most either way (a Date must hold it). */
function calendarSeconds(parameters: unknown): number | undefined {
  if (typeof parameters === 'number') return isEpochSeconds(parameters) ? parameters : undefined;
  return typeof parameters === 'string' ? parseEpochSeconds(parameters) : undefined;
}

function calendarOption(parameters: unknown): Parsed<DeliveryOption> {
  if (typeof parameters === 'string' && parameters.trim().toLowerCase() === 'now') {
    return { ok: true, value: { kind: 'now' } };
  }
  const at = calendarSeconds(parameters);
  if (at === undefined) return { ok: false, reason: 'calendar parameters must be epoch seconds or "now"' };
  return { ok: true, value: { kind: 'calendar', at } };
}

/** Parses the delivery_option field; a missing or empty field means "now". */
export function parseDeliveryOption(text: string | undefined): Parsed<DeliveryOption> {
  if (text === undefined || text.trim() === '') return { ok: true, value: { kind: 'now' } };
  let json: unknown;
  try {
    json = parseRequestJson(text);
  } catch {
    return { ok: false, reason: 'delivery_option is not JSON' };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { ok: false, reason: 'delivery_option must be a JSON object' };
  }
  const { type, parameters } = json as { type?: unknown; parameters?: unknown };
  if (typeof type !== 'string') return { ok: false, reason: 'delivery_option has no type' };
  if (type === 'calendar') return calendarOption(parameters);
  if (type === 'resend') return { ok: true, value: { kind: 'resend' } };
  if (isObjectIdHex(type)) return { ok: true, value: { kind: 'choice', key: type.toLowerCase() } };
  return { ok: false, reason: 'unknown delivery type' };
}

/** A stable text of the option, for recognising a repeated send. */
export function describeOption(option: DeliveryOption): string {
  switch (option.kind) {
    case 'calendar':
      return `calendar:${option.at}`;
    case 'choice':
      return `choice:${option.key}`;
    default:
      return option.kind;
  }
}

function addSeconds(date: Date, seconds: number): Date {
  return new Date(date.getTime() + seconds * 1000);
}

/** Never in the past: a message dated before now would fall outside every receive_all window. */
function notBefore(date: Date, now: Date): Date {
  return date.getTime() < now.getTime() ? now : date;
}

/**
 * The delivery time a message gets when it is written at `writeStart`: never sooner than
 * `settleMs` later (WRITE_SETTLE_MS), so that a /receive_all which reads while the write is
 * under way has answered a ts before it, and the next window returns it (README "Exactly
 * once").
 */
export function settledDeliveryTime(delivery: Date, writeStart: Date, settleMs: number): Date {
  const earliest = writeStart.getTime() + settleMs;
  return delivery.getTime() < earliest ? new Date(earliest) : delivery;
}

/** Delivery time of a send choice sent at `now`. */
export function choiceDeliveryTime(choice: SendChoiceRule, now: Date, random: RandomSource): Date {
  if (choice.time_random) {
    const min = choice.random_min ?? RANDOM_DELAY.min;
    const max = choice.random_max ?? RANDOM_DELAY.max;
    return addSeconds(now, randomInt(random, min, max));
  }
  if (choice.time_absolute) return notBefore(fromEpochSeconds(choice.time_delay), now);
  return notBefore(addSeconds(now, choice.time_delay), now);
}

/** Delivery time of an option; a 'choice' option needs its send choice. */
export function deliveryTime(
  option: DeliveryOption,
  choice: SendChoiceRule | undefined,
  now: Date,
  random: RandomSource,
): Date {
  switch (option.kind) {
    case 'now':
      return now;
    case 'calendar':
      return notBefore(fromEpochSeconds(option.at), now);
    case 'resend':
      return addSeconds(now, randomInt(random, RANDOM_DELAY.min, RANDOM_DELAY.max));
    case 'choice':
      if (!choice) throw new Error(`send choice ${option.key} not given`);
      return choiceDeliveryTime(choice, now, random);
  }
}

/**
 * delivery_option as a JSON Schema pattern (textPatterns): blank (now), or the object the
 * apps send, written without JSON escapes, `type` first: `calendar` with `parameters` epoch
 * seconds under 10^12 (a number, a float text) or "now", `resend` or a send choice's id
 * with any scalar `parameters` or none; then an optional `timezone` or `time_zone` text.
 * parseDeliveryOption takes more (keys in any order, other keys, escapes, larger dates):
 * the field description says so.
 */
export function deliveryOptionPattern(): string {
  const ws = `${JSON_WS}*`;
  const key = (name: string) => `${ws},${ws}"${name}"${ws}:${ws}`;
  const blanks = `[${TRIMMED_IN_JSON_STRING}]*`;
  const number = String.raw`-?(?:0|[1-9][0-9]{0,11})(?:\.[0-9]{1,6})?`;
  const floatText = String.raw`[+-]?(?:[0-9]{1,12}(?:\.[0-9]{0,6})?|\.[0-9]{1,6})`;
  const calendar = `"calendar"${key('parameters')}(?:${number}|"${blanks}(?:[nN][oO][wW]|${floatText})${blanks}")`;
  const scalar = `(?:${JSON_PLAIN_STRING}|${number}|true|false|null)`;
  const other = `(?:"resend"|"${OBJECT_ID}")(?:${key('parameters')}${scalar})?`;
  const timezone = `(?:${key('(?:timezone|time_zone)')}${JSON_PLAIN_STRING})?`;
  const object = String.raw`${ws}\{${ws}"type"${ws}:${ws}(?:${calendar}|${other})${timezone}${ws}\}${ws}`;
  return `^(?:${WS}*|${object})$`;
}
