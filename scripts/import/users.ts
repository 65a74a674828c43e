/**
 * A legacy user (and its current platform_instance) as one of our users. The legacy
 * password is the SHA-256 hex the apps send: the pass stores bcrypt(hex) as `password`,
 * exactly what signup stores, so the hex itself is never written (passwords.ts).
 */
import type { ObjectId } from 'mongodb';
import { bool, date, fail, idTime, ok, oid, str, type LegacyDoc, type Mapped } from './values';

export interface UserMapContext {
  /** The project's email normaliser; '' (or a throw) means unusable. */
  normaliseEmail: (raw: string) => string;
  /** The project's phone normaliser (00… form); '' means unusable. */
  normalisePhone: (raw: string) => string;
  /** Status tier label (lower-case) → rank. */
  ranks: ReadonlyMap<string, number>;
}

export interface PhoneClaim {
  phone: string;
  /** When the platform_instance was created: the newer claim of a number wins. */
  claimedAt: Date;
}

export interface MappedUser {
  doc: Record<string, unknown> & { _id: ObjectId; email: string; password?: string };
  /** The original's password_hash (the hex the apps send), to hash before writing. */
  legacyHex?: string;
  phone?: PhoneClaim;
  /** The original already sent the no-phone reminder email (phone_mail_sent). */
  reminderSent: boolean;
  /** Remarks that do not prevent the import (reported as notes). */
  notes: string[];
}

const NO_TOKEN = new Set(['', '(null)', 'null', 'None']);

function safeNormalise(fn: (raw: string) => string, raw: string): string {
  try {
    return fn(raw);
  } catch {
    return '';
  }
}

function birthday(v: unknown): string {
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  return str(v);
}

function device(instance: LegacyDoc | undefined, ctx: UserMapContext, notes: string[]) {
  if (!instance) return {};
  const raw = str(instance.phone_num).trim();
  const phone = raw ? safeNormalise(ctx.normalisePhone, raw) : '';
  if (!phone) {
    notes.push(raw ? 'device phone number unusable' : 'device without phone number');
    return {};
  }
  const regId = str(instance.reg_id).trim();
  return {
    device: {
      phone,
      os: str(instance.os),
      reg_id: NO_TOKEN.has(regId) ? '' : regId,
      app_version: str(instance.app_version),
    },
    phone: { phone, claimedAt: idTime(instance._id) ?? new Date(0) },
  };
}

export function mapUser(
  d: LegacyDoc,
  instance: LegacyDoc | undefined,
  ctx: UserMapContext,
): Mapped<MappedUser> {
  const id = oid(d._id);
  if (!id) return fail('_id is not an ObjectId');
  const rawEmail = str(d.email).trim();
  if (!rawEmail) return fail('no email');
  const email = safeNormalise(ctx.normaliseEmail, rawEmail);
  if (!email) return fail('email cannot be normalised');
  const notes: string[] = [];
  const statusLabel = str(d.status, 'Newbie').trim().toLowerCase();
  const rank = ctx.ranks.get(statusLabel);
  if (rank === undefined && statusLabel !== 'newbie' && statusLabel !== '')
    notes.push('unknown status label');
  const password = str(d.password_hash).trim();
  if (!password) notes.push('no password (Facebook account or never set): must reset it');
  const { device: dev, phone } = device(instance, ctx, notes);
  const doc = {
    _id: id,
    email,
    country_code: str(d.country_code).trim().toLowerCase() || 'us',
    created_at: date(d.created_at) ?? id.getTimestamp(),
    ...(date(d.last_log_time) ? { last_login: date(d.last_log_time) } : {}),
    facebook_id: str(d.facebook_id),
    facebook_name: str(d.facebook_name),
    facebook_birthday: birthday(d.facebook_birthday),
    ...(dev ? { device: dev } : {}),
    status_rank: rank ?? 0,
  };
  const legacyHex = password ? { legacyHex: password } : {};
  return ok({ doc, ...legacyHex, phone, reminderSent: bool(d.phone_mail_sent), notes });
}
