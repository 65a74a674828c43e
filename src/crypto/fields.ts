/**
 * What is encrypted at rest, in one table read by the models (src/models/encrypted.ts),
 * the legacy import, and rotate-keys: message texts and media ids, address-book names,
 * and the texts of teaser and "joined" pushes (they carry an address-book name).
 */
import { decryptText, encryptText } from './codec';
import type { Keyring } from './keyring';

export interface EncryptedCollection {
  collection: string;
  fields: readonly string[];
  /**
   * Names the fields in the values' additional data. push_jobs and push_schedule share
   * one, since the worker moves a queued push from one to the other as it is.
   */
  kind: string;
}

export const ENCRYPTED = {
  messages: {
    collection: 'messages',
    kind: 'messages',
    fields: ['message', 'photo_id', 'video_id', 'sound_id'],
  },
  addressBookEntries: { collection: 'address_book_entries', kind: 'address_book_entries', fields: ['name'] },
  pushJobs: { collection: 'push_jobs', kind: 'push_jobs', fields: ['text'] },
  pushSchedule: { collection: 'push_schedule', kind: 'push_jobs', fields: ['text'] },
} as const satisfies Record<string, EncryptedCollection>;

export const ENCRYPTED_COLLECTIONS: readonly EncryptedCollection[] = Object.values(ENCRYPTED);

export const contextOf = (spec: EncryptedCollection, field: string): string => `${spec.kind}.${field}`;

type Doc = Record<string, unknown>;

/**
 * A copy of `doc` with its encrypted fields encrypted. `cache` keeps one ciphertext per
 * field and text within one write: a send to 300 receivers stores one text 300 times,
 * and the same plaintext, key and field under one IV is the same encryption repeated,
 * not the reuse of an IV for another plaintext that would break GCM.
 */
export function encryptFields<T extends object>(
  keyring: Keyring,
  spec: EncryptedCollection,
  doc: T,
  cache?: Map<string, string>,
): T {
  const copy: Doc = { ...(doc as Doc) };
  for (const field of spec.fields) {
    const value = copy[field];
    if (typeof value !== 'string' || value === '') continue;
    const key = `${field}\u0000${value}`;
    let stored = cache?.get(key);
    if (stored === undefined) {
      stored = encryptText(keyring, contextOf(spec, field), value);
      cache?.set(key, stored);
    }
    copy[field] = stored;
  }
  return copy as T;
}

/** Decrypts the encrypted fields of `doc` in place (a document read raw from the driver). */
export function decryptFields<T extends object>(keyring: Keyring, spec: EncryptedCollection, doc: T): T {
  const d = doc as Doc;
  for (const field of spec.fields) {
    const value = d[field];
    if (typeof value === 'string' && value !== '')
      d[field] = decryptText(keyring, contextOf(spec, field), value);
  }
  return doc;
}
