/**
 * JSON lists carried by form fields (../shared/CONTRACT.md §1: pretty-printed by iOS, compact by
 * Android): the receivers of /send and the users of /block_contacts.
 */
import { isObjectIdHex } from './objectId';
import type { Parsed } from './parsed';
import { boundedPhoneTextPattern, normalisePhone } from './phone';
import { parseRequestJson } from './requestText';
import { jsonListCountPattern, jsonListPattern, OBJECT_ID, TRIMMED_IN_JSON_STRING } from './textPatterns';

export type Receiver = { kind: 'id'; id: string } | { kind: 'num'; phone: string };
/** A `num…` entry whose number has no usable digits: skipped, not refused. */
export type Unusable = { kind: 'unusable' };

/** A JSON list of strings; `field` names it in the reason. */
export function parseStringList(text: string | undefined, field: string): Parsed<string[]> {
  if (text === undefined || text.trim() === '') return { ok: false, reason: `${field} is required` };
  let json: unknown;
  try {
    json = parseRequestJson(text);
  } catch {
    return { ok: false, reason: `${field} is not JSON` };
  }
  if (!Array.isArray(json) || !json.every((v) => typeof v === 'string')) {
    return { ok: false, reason: `${field} must be a JSON list of strings` };
  }
  return { ok: true, value: json };
}

/** `id<user id>` or `num<phone>` (normalised, domain/phone); undefined when it is neither. */
export function parseReceiver(text: string): Receiver | Unusable | undefined {
  const s = text.trim();
  if (s.startsWith('id') && isObjectIdHex(s.slice(2))) return { kind: 'id', id: s.slice(2).toLowerCase() };
  if (!s.startsWith('num')) return undefined;
  const phone = normalisePhone(s.slice(3));
  return phone ? { kind: 'num', phone } : { kind: 'unusable' };
}

/**
 * The receivers of a send, each once, in the order given; at most `max` (MAX_RECEIVERS:
 * more than anyone picks in the apps; keeps a send's writes bounded). A malformed entry
 * refuses the whole list (nothing half-stored); a `num…` without a usable number is
 * skipped, because the apps send contacts' numbers as the phone wrote them (../shared/CONTRACT.md §3
 * send). At least one receiver must remain.
 */
export function parseReceiverIds(text: string | undefined, max: number): Parsed<Receiver[]> {
  const list = parseStringList(text, 'receiver_ids');
  if (!list.ok) return list;
  if (list.value.length === 0) return { ok: false, reason: 'receiver_ids is empty' };
  if (list.value.length > max) return { ok: false, reason: `too many receivers: at most ${max}` };
  const seen = new Set<string>();
  const receivers: Receiver[] = [];
  for (const raw of list.value) {
    const r = parseReceiver(raw);
    if (!r) return { ok: false, reason: `malformed receiver id: ${raw.slice(0, 40)}` };
    if (r.kind === 'unusable') continue;
    const key = r.kind === 'id' ? `id${r.id}` : `num${r.phone}`;
    if (!seen.has(key)) receivers.push(r);
    seen.add(key);
  }
  if (receivers.length === 0) return { ok: false, reason: 'no receiver with a usable phone number' };
  return { ok: true, value: receivers };
}

/** User ids with or without the `id` prefix, lower-case, each once; at most `max` listed. */
export function parseUserIdList(text: string | undefined, field: string, max: number): Parsed<string[]> {
  const list = parseStringList(text, field);
  if (!list.ok) return list;
  if (list.value.length > max) return { ok: false, reason: `too many ids in ${field}: at most ${max}` };
  const ids = new Set<string>();
  for (const raw of list.value) {
    const s = raw.trim();
    const hex = s.startsWith('id') && s.length === 26 ? s.slice(2) : s;
    if (!isObjectIdHex(hex)) return { ok: false, reason: `malformed user id in ${field}` };
    ids.add(hex.toLowerCase());
  }
  return { ok: true, value: [...ids] };
}

/** Blanks JSON admits raw inside a string, which the entries' trimming drops. */
const BLANKS = `[${TRIMMED_IN_JSON_STRING}]*`;
const NOT_IN_JSON_STRING = String.raw`"\\\u0000-\u001f`;

/**
 * receiver_ids as JSON Schema patterns (textPatterns), both to match: 1 to `max` entries,
 * each `id` and a user id or `num` and a usable number, written without JSON escapes.
 * parseReceiverIds takes more (escapes, and `num…` entries without a usable number beside a
 * usable one): the field description says so.
 */
export function receiverIdsPatterns(max: number): [string, string] {
  const num = `num${boundedPhoneTextPattern(NOT_IN_JSON_STRING)}`;
  const item = `"${BLANKS}(?:id${OBJECT_ID}|${num})${BLANKS}"`;
  return [jsonListPattern(item, 1), jsonListCountPattern(1, max)];
}

/** A parseUserIdList field as JSON Schema patterns: 0 to `max` user ids, `id` or not, without escapes. */
export function userIdListPatterns(max: number): [string, string] {
  return [jsonListPattern(`"${BLANKS}(?:id)?${OBJECT_ID}${BLANKS}"`, 0), jsonListCountPattern(0, max)];
}
