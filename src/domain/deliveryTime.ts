/**
 * When a message is delivered (../shared/CONTRACT.md §3 send, delivery_option): now, a calendar
 * date, a send choice (relative delay, absolute date, random), or the legacy random resend.
 */
import type { SendChoiceRule } from './catalogRules';
import { isObjectIdHex } from './objectId';
import type { Parsed } from './parsed';
import { randomInt, type RandomSource } from './random';
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
    json = JSON.parse(text);
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
