/**
 * Reading legacy documents. mongoengine left fields missing, null, or typed loosely
 * (booleans as 0/1, numbers as strings) depending on the version that wrote them, so
 * every mapper reads through these instead of trusting a field's type.
 */
import { ObjectId } from 'mongodb';
import { isObjectIdHex } from '../../src/domain/objectId';
import type { Parsed } from '../../src/domain/parsed';

export type LegacyDoc = Record<string, unknown> & { _id?: unknown };

/** A mapper's answer: the document(s) to insert, or why the record cannot be converted. */
export type Mapped<T> = Parsed<T>;

export const ok = <T>(value: T): Mapped<T> => ({ ok: true, value });
export const fail = <T = never>(reason: string): Mapped<T> => ({ ok: false, reason });

export function str(v: unknown, def = ''): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return def;
}

export function bool(v: unknown, def = false): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') return ['true', '1', 'yes'].includes(v.trim().toLowerCase());
  return def;
}

export function num(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

/**
 * A legacy datetime. pymongo stores naive datetimes as BSON dates taken as UTC, and the
 * original ran in UTC (Heroku), so the stored instant is already right; ISO strings from
 * hand-made documents are read as UTC too.
 */
export function date(v: unknown): Date | undefined {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? undefined : v;
  if (typeof v === 'string' && v.trim() !== '') {
    const text = /[zZ]|[+-]\d\d:?\d\d$/.test(v) ? v : `${v}Z`;
    const d = new Date(text);
    return Number.isNaN(d.getTime()) ? undefined : d;
  }
  return undefined;
}

/** An ObjectId, or its 24-hex text (some legacy references were stored as strings). */
export function oid(v: unknown): ObjectId | undefined {
  if (v instanceof ObjectId) return v;
  if (isObjectIdHex(v)) return new ObjectId(v);
  return undefined;
}

/** The creation time an ObjectId carries (for records without a timestamp of their own). */
export function idTime(v: unknown): Date | undefined {
  return oid(v)?.getTimestamp();
}

export function idText(v: unknown): string {
  if (v instanceof ObjectId) return v.toHexString();
  return typeof v === 'string' || typeof v === 'number' ? String(v) : (JSON.stringify(v) ?? '?');
}
