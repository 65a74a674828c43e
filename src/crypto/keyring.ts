/**
 * The keys that encrypt data at rest (DATA_KEYS, README "Privacy"): a comma-separated list
 * of `id:key`, each key 32 random bytes in base64. The first key encrypts; every key
 * decrypts, so that a new key can be put first while values under an older one are still
 * read, until `rotate-keys` has rewritten them.
 */
import { hkdfSync, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';

export const KEY_BYTES = 32;

/** Key ids are stored with every value: short, and free of the format's `:` separator. */
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const KEY_ID_RULE = 'letters, digits, _ and - only, at most 32';

export interface DataKey {
  readonly id: string;
  readonly key: Buffer;
}

/** What the send deduplication keys its HMAC with (src/domain/sendDedup.ts). */
const DEDUP_INFO = 'pictever send dedup v1';

export class Keyring {
  /** The key new values are encrypted with. */
  readonly current: DataKey;
  private readonly byId: ReadonlyMap<string, DataKey>;
  private dedup?: readonly Buffer[];

  constructor(keys: readonly DataKey[]) {
    if (keys.length === 0) throw new Error('a keyring needs at least one key');
    this.current = keys[0]!;
    this.byId = new Map(keys.map((k) => [k.id, k]));
  }

  get ids(): string[] {
    return [...this.byId.keys()];
  }

  find(id: string): DataKey | undefined {
    return this.byId.get(id);
  }

  /**
   * One HMAC secret per key, derived (HKDF) rather than the key itself, so that no key
   * serves two algorithms. Every key gives one, in a fixed order whatever the order of
   * DATA_KEYS: processes started before and after a key is added or put first share the
   * claims of the keys they have in common (domain/sendDedup.ts).
   */
  dedupSecrets(): readonly Buffer[] {
    this.dedup ??= [...this.byId.values()]
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((k) => Buffer.from(hkdfSync('sha256', k.key, Buffer.alloc(0), DEDUP_INFO, KEY_BYTES)));
    return this.dedup;
  }

  /** Secrets never serialise: a logged or printed keyring shows its key ids only. */
  toJSON(): { keyIds: string[] } {
    return { keyIds: this.ids };
  }

  [inspect.custom](): string {
    return `Keyring(${this.ids.join(', ')})`;
  }
}

/** 32 bytes written as base64 (44 characters, one `=`), nothing else. */
function decodeKey(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/]{43}=$/.test(text)) return undefined;
  const key = Buffer.from(text, 'base64');
  return key.length === KEY_BYTES ? key : undefined;
}

/**
 * Parses DATA_KEYS. Throws one error naming every problem, never a key's value (the
 * message ends up in the start-up failure line).
 */
export function parseDataKeys(text: string): Keyring {
  const problems: string[] = [];
  const keys: DataKey[] = [];
  const entries = text.split(',').map((e) => e.trim());
  entries.forEach((entry, i) => {
    const at = `entry ${i + 1}`;
    const sep = entry.indexOf(':');
    if (sep < 0) return problems.push(`${at}: expected id:key (e.g. k1:<32 bytes in base64>)`);
    const id = entry.slice(0, sep);
    const key = decodeKey(entry.slice(sep + 1));
    if (!KEY_ID.test(id)) return problems.push(`${at}: key id must be ${KEY_ID_RULE}`);
    if (keys.some((k) => k.id === id)) return problems.push(`${at}: key id ${id} appears twice`);
    if (!key)
      return problems.push(
        `${at} (${id}): the key must be ${KEY_BYTES} bytes in base64 (openssl rand -base64 32)`,
      );
    keys.push({ id, key });
  });
  if (problems.length > 0) throw new Error(problems.join('; '));
  return new Keyring(keys);
}

/** A fresh `id:key` entry for DATA_KEYS. */
export function newDataKey(id: string): string {
  if (!KEY_ID.test(id)) throw new Error(`key id must be ${KEY_ID_RULE}`);
  return `${id}:${randomBytes(KEY_BYTES).toString('base64')}`;
}
