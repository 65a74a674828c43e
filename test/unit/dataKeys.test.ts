import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { DataKeyError, decryptText, encryptText, storedKeyId } from '../../src/crypto/codec';
import { dataKeys, useDataKeys } from '../../src/crypto/current';
import { ENCRYPTED, decryptFields, encryptFields } from '../../src/crypto/fields';
import { newDataKey, parseDataKeys } from '../../src/crypto/keyring';

const key = () => randomBytes(32).toString('base64');
const K1 = `k1:${key()}`;
const K2 = `k2:${key()}`;
const CTX = 'messages.message';

describe('parseDataKeys', () => {
  it('when several keys are given then the first encrypts and every one is known by its id', () => {
    const ring = parseDataKeys(`${K2}, ${K1}`);
    expect(ring.current.id).toBe('k2');
    expect(ring.ids).toEqual(['k2', 'k1']);
    expect(ring.find('k1')?.key).toHaveLength(32);
  });

  it.each([
    ['', /entry 1: expected id:key/],
    ['k1', /entry 1: expected id:key/],
    [`k 1:${key()}`, /entry 1: key id must be letters, digits, _ and - only/],
    [`${'k'.repeat(33)}:${key()}`, /at most 32/],
    [`k1:${randomBytes(16).toString('base64')}`, /entry 1 \(k1\): the key must be 32 bytes in base64/],
    [`k1:${randomBytes(33).toString('base64')}`, /32 bytes in base64/],
    [`k1:${key().replace(/.$/, '!')}`, /32 bytes in base64/],
    [`${K1},`, /entry 2: expected id:key/],
    [`${K1},k1:${key()}`, /entry 2: key id k1 appears twice/],
  ])('when DATA_KEYS is %j then it is refused with a clear reason', (text, reason) => {
    expect(() => parseDataKeys(text)).toThrow(reason);
  });

  it('when several entries are wrong then every one is named, and no key value is in the message', () => {
    const secret = randomBytes(16).toString('base64');
    let message = '';
    try {
      parseDataKeys(`k1:${secret},nocolon`);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/entry 1 \(k1\).*; entry 2: expected id:key/);
    expect(message).not.toContain(secret);
  });

  it('when a keyring is logged or printed then only its key ids show', () => {
    const ring = parseDataKeys(K1);
    const secret = K1.slice(3);
    expect(JSON.stringify({ ring })).toBe('{"ring":{"keyIds":["k1"]}}');
    expect(inspect(ring)).toBe('Keyring(k1)');
    expect(JSON.stringify(ring) + inspect(ring)).not.toContain(secret);
  });

  it('when newDataKey makes an entry then it parses, and its id is checked', () => {
    expect(parseDataKeys(newDataKey('k9')).ids).toEqual(['k9']);
    expect(() => newDataKey('a:b')).toThrow(/key id/);
  });
});

describe('encryptText and decryptText', () => {
  const ring = parseDataKeys(K1);

  it('when a text is encrypted then it reads back, unicode and long texts included', () => {
    for (const plain of ['hello', 'é 😀 \u202a', 'x'.repeat(20_000), 'enc1:k1:AAAAAAAAAAAAAAAA:AAAA']) {
      const stored = encryptText(ring, CTX, plain);
      expect(stored.slice(5)).not.toContain(plain.slice(0, 5));
      expect(decryptText(ring, CTX, stored)).toBe(plain);
    }
  });

  it('when a value is stored then it is enc1:<key id>:<iv>:<ciphertext and tag>, with a fresh iv each time', () => {
    const a = encryptText(ring, CTX, 'same');
    const b = encryptText(ring, CTX, 'same');
    expect(a).toMatch(/^enc1:k1:[A-Za-z0-9+/]{16}:[A-Za-z0-9+/=]{28}$/); // 4 bytes + 16-byte tag
    expect(a).not.toBe(b);
    expect(storedKeyId(a)).toBe('k1');
  });

  it('when the text is empty then it stays empty (nothing to hide but the length)', () => {
    expect(encryptText(ring, CTX, '')).toBe('');
    expect(decryptText(ring, CTX, '')).toBe('');
  });

  it('when a value was stored before encryption then it comes back as it is and has no key id', () => {
    for (const plain of ['hello', 'enc1:k1:short:x', 'enc1:k1:AAAAAAAAAAAAAAAA:AAAA', 'photos/1.jpg']) {
      expect(decryptText(ring, CTX, plain)).toBe(plain);
      expect(storedKeyId(plain)).toBeUndefined();
    }
  });

  it('when the key is rotated then values under the old key still read, and new ones use the new key', () => {
    const old = encryptText(ring, CTX, 'before');
    const rotated = parseDataKeys(`${K2},${K1}`);
    expect(decryptText(rotated, CTX, old)).toBe('before');
    expect(storedKeyId(encryptText(rotated, CTX, 'after'))).toBe('k2');
  });

  it('when the key of a value is not in DATA_KEYS then it is an error naming the key', () => {
    const stored = encryptText(parseDataKeys(K2), CTX, 'secret');
    expect(() => decryptText(ring, CTX, stored)).toThrow(
      new DataKeyError(`cannot decrypt ${CTX}: key k2 is not in DATA_KEYS (it holds k1)`),
    );
  });

  it('when a key of the same id holds other bytes then decryption fails', () => {
    const stored = encryptText(parseDataKeys(`k1:${key()}`), CTX, 'secret');
    expect(() => decryptText(ring, CTX, stored)).toThrow(/altered or the key is wrong/);
  });

  it('when the tag or the ciphertext is altered then decryption fails', () => {
    const stored = encryptText(ring, CTX, 'pay alice 10');
    const [prefix, id, iv, body] = stored.split(':') as [string, string, string, string];
    const bytes = Buffer.from(body, 'base64');
    for (const at of [0, bytes.length - 1]) {
      const altered = Buffer.from(bytes);
      altered[at] = altered[at]! ^ 1;
      const value = [prefix, id, iv, altered.toString('base64')].join(':');
      expect(() => decryptText(ring, CTX, value)).toThrow(DataKeyError);
    }
  });

  it('when a value is read as another field then decryption fails (the field is bound to it)', () => {
    const stored = encryptText(ring, 'address_book_entries.name', 'Alice');
    expect(() => decryptText(ring, CTX, stored)).toThrow(/cannot decrypt messages.message/);
  });
});

describe('encryptFields and decryptFields', () => {
  const ring = parseDataKeys(K1);
  const spec = ENCRYPTED.messages;

  it('when a document is encrypted then only its encrypted fields change, on a copy', () => {
    const doc = { _id: 1, message: 'hi', photo_id: 'p.jpg', video_id: '', receive_label: 'In a year' };
    const stored = encryptFields(ring, spec, doc);
    expect(doc.message).toBe('hi');
    expect(stored).toMatchObject({ _id: 1, video_id: '', receive_label: 'In a year' });
    expect(storedKeyId(stored.message)).toBe('k1');
    expect(storedKeyId(stored.photo_id)).toBe('k1');
    expect(decryptFields(ring, spec, { ...stored })).toEqual(doc);
  });

  it('when one write stores a text many times then the cache encrypts it once', () => {
    const cache = new Map<string, string>();
    const a = encryptFields(ring, spec, { message: 'to all' }, cache);
    const b = encryptFields(ring, spec, { message: 'to all' }, cache);
    const c = encryptFields(ring, spec, { message: 'to all' });
    expect(a.message).toBe(b.message);
    expect(c.message).not.toBe(a.message);
  });
});

describe('Keyring.dedupSecrets', () => {
  it('when DATA_KEYS lists the same keys in another order then the secrets are the same', () => {
    const a = parseDataKeys(`${K1},${K2}`).dedupSecrets();
    const b = parseDataKeys(`${K2},${K1}`).dedupSecrets();
    expect(a.map((s) => s.toString('hex'))).toEqual(b.map((s) => s.toString('hex')));
    expect(a).toHaveLength(2);
  });

  it('when a secret is derived then it is neither the key nor another key’s secret', () => {
    const ring = parseDataKeys(`${K1},${K2}`);
    const [s1, s2] = ring.dedupSecrets();
    expect(s1!.equals(ring.find('k1')!.key)).toBe(false);
    expect(s1!.equals(s2!)).toBe(false);
  });
});

describe('useDataKeys', () => {
  it('when DATA_KEYS is set then those keys are installed', () => {
    const ring = parseDataKeys(K1);
    expect(useDataKeys({ NODE_ENV: 'production', DATA_KEYS: ring, DEVDB_DIR: '/nonexistent' })).toEqual({
      keyring: ring,
    });
    expect(dataKeys()).toBe(ring);
  });

  it('when DATA_KEYS is unset in production then start-up fails', () => {
    expect(() => useDataKeys({ NODE_ENV: 'production', DEVDB_DIR: '/nonexistent' })).toThrow(
      'DATA_KEYS: required in production',
    );
  });

  it('when DATA_KEYS is unset locally then keys are generated once into the data folder and read again later', () => {
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'pictever-keys-')), 'data');
    const first = useDataKeys({ NODE_ENV: 'development', DEVDB_DIR: dir });
    const file = path.join(dir, 'data-keys');
    expect(first).toMatchObject({ file, created: true });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const stored = encryptText(dataKeys(), CTX, 'kept');
    const again = useDataKeys({ NODE_ENV: 'test', DEVDB_DIR: dir });
    expect(again).toMatchObject({ file, created: false });
    expect(decryptText(again.keyring, CTX, stored)).toBe('kept');
    expect(readFileSync(file, 'utf8')).toMatch(/^local1:[A-Za-z0-9+/]{43}=\n$/);
  });
});
