/**
 * Stored messages found by their text or media ids. Those are encrypted at rest, so no
 * query can filter on them (src/models/encrypted.ts refuses it): the other conditions go
 * to the database, and the encrypted ones are matched on what the model read and decrypted.
 */
import { ENCRYPTED } from '../../src/crypto/fields';
import { Message } from '../../src/models';

type Filter = Record<string, unknown>;

function split(filter: Filter) {
  const fields: readonly string[] = ENCRYPTED.messages.fields;
  const query: Filter = {};
  const plain: Filter = {};
  for (const [k, v] of Object.entries(filter)) (fields.includes(k) ? plain : query)[k] = v;
  return { query, plain };
}

export async function messagesWith(filter: Filter) {
  const { query, plain } = split(filter);
  const found = await Message.find(query).lean();
  return found.filter((m) => Object.entries(plain).every(([k, v]) => (m as Filter)[k] === v));
}

export async function messageWith(filter: Filter) {
  return (await messagesWith(filter))[0] ?? null;
}

export async function countMessagesWith(filter: Filter): Promise<number> {
  return (await messagesWith(filter)).length;
}
