/**
 * One text value encrypted at rest: AES-256-GCM under the keyring's first key, stored as
 *
 *   enc1:<key id>:<iv, 12 bytes in base64>:<ciphertext and 16-byte tag in base64>
 *
 * A string rather than a subdocument: the schema paths stay strings (Mongoose casting,
 * the inferred types and every reader keep working), a value written before encryption
 * (plain text) and an encrypted one can sit in the same field during the migration, and
 * the key id travels with the value, so rotation knows what is left under an old key.
 *
 * Telling them apart: a stored value is encrypted when it has exactly this shape (the
 * prefix, a key id, 16 base64 characters, then base64 of at least the tag); anything else
 * is text written before encryption and is returned as it is. New writes always encrypt,
 * even a text that happens to have this shape, so only a value stored before encryption
 * could be mistaken; rotate-keys reports such a value instead of stopping.
 *
 * `context` names the field (e.g. `messages.message`) and is bound to the value as GCM's
 * additional data: a value copied into another field does not decrypt. The empty string
 * stays empty: it says no more than the ciphertext's length would (GCM keeps lengths).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Keyring } from './keyring';

const PREFIX = 'enc1';
const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const IV_CHARS = 16; // base64 of 12 bytes, no padding
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

/** A value that cannot be decrypted: a key missing from DATA_KEYS, or an altered value. */
export class DataKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataKeyError';
  }
}

interface Parts {
  keyId: string;
  iv: string;
  body: string;
}

function parts(stored: string): Parts | undefined {
  if (!stored.startsWith(`${PREFIX}:`)) return undefined;
  const [, keyId, iv, body, ...rest] = stored.split(':');
  if (rest.length > 0 || keyId === undefined || iv === undefined || body === undefined) return undefined;
  if (!KEY_ID.test(keyId) || iv.length !== IV_CHARS || !BASE64.test(iv)) return undefined;
  if (body.length % 4 !== 0 || body.length < Math.ceil(TAG_BYTES / 3) * 4 || !BASE64.test(body))
    return undefined;
  return { keyId, iv, body };
}

/** The key id of an encrypted value; undefined for anything else (text stored before encryption). */
export function storedKeyId(stored: string): string | undefined {
  return parts(stored)?.keyId;
}

export function encryptText(keyring: Keyring, context: string, plain: string): string {
  if (plain === '') return '';
  const { id, key } = keyring.current;
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `${PREFIX}:${id}:${iv.toString('base64')}:${body.toString('base64')}`;
}

/** The plain text of a stored value; a value stored before encryption comes back as it is. */
export function decryptText(keyring: Keyring, context: string, stored: string): string {
  const p = parts(stored);
  if (!p) return stored;
  const dataKey = keyring.find(p.keyId);
  if (!dataKey) {
    throw new DataKeyError(
      `cannot decrypt ${context}: key ${p.keyId} is not in DATA_KEYS (it holds ${keyring.ids.join(', ')})`,
    );
  }
  const body = Buffer.from(p.body, 'base64');
  const decipher = createDecipheriv(ALGORITHM, dataKey.key, Buffer.from(p.iv, 'base64'));
  decipher.setAAD(Buffer.from(context, 'utf8'));
  decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
  try {
    return Buffer.concat([
      decipher.update(body.subarray(0, body.length - TAG_BYTES)),
      decipher.final(),
    ]).toString('utf8');
  } catch {
    throw new DataKeyError(
      `cannot decrypt ${context} under key ${p.keyId}: the value was altered or the key is wrong`,
    );
  }
}
