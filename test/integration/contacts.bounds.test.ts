/**
 * Big address books in bounded work (the fuzz run's finding: uploads and get_address_book
 * answering after 60 s). On the embedded database `$in`/`$nin` compare every scanned
 * entry with every listed id, so a replaced book must never list more than half of the
 * stored one, and each request makes a fixed number of queries whatever the book's size.
 * Counted, not timed: the database queries are recorded through Mongoose's debug hook.
 */
import mongoose from 'mongoose';
import { AddressBookEntry } from '../../src/models';
import { people } from '../helpers/accountFixtures';
import { buildTestApp, type TestApp } from '../helpers/app';
import { useTestDatabase } from '../helpers/db';

useTestDatabase();
let t: TestApp;
const { person, upload } = people(() => t.app, '0033655');

beforeAll(() => {
  t = buildTestApp();
});

interface Query {
  collection: string;
  method: string;
  filter: Record<string, unknown>;
}

/** The queries made while `fn` runs. */
async function recorded(fn: () => Promise<unknown>): Promise<Query[]> {
  const queries: Query[] = [];
  mongoose.set('debug', (collection: string, method: string, filter: unknown) => {
    queries.push({ collection, method, filter: (filter ?? {}) as Record<string, unknown> });
  });
  try {
    await fn();
  } finally {
    mongoose.set('debug', false);
  }
  return queries;
}

/** Length of the longest `$in`/`$nin` list in a filter's top level. */
function longestList(filter: Record<string, unknown>): number {
  let longest = 0;
  for (const v of Object.values(filter)) {
    if (typeof v !== 'object' || v === null) continue;
    for (const op of ['$in', '$nin'] as const) {
      const list = (v as Record<string, unknown>)[op];
      if (Array.isArray(list)) longest = Math.max(longest, list.length);
    }
  }
  return longest;
}

const book = (n: number, prefix: string) =>
  Array.from({ length: n }, (_, i) => ({ tel: `0044${prefix}${String(i).padStart(6, '0')}`, name: `C${i}` }));

describe('replacing a big address book', () => {
  it('when 2,000 contacts are replaced by 3 then the delete lists the 3 kept, not the 1,997 gone', async () => {
    const me = await person();
    await upload(me, book(2_000, '71')).expect(200);
    const small = book(3, '71');
    const queries = await recorded(() => upload(me, small).expect(200));
    const deletes = queries.filter(
      (q) => q.collection === 'address_book_entries' && q.method === 'deleteMany',
    );
    expect(deletes).toHaveLength(1);
    expect(deletes[0]!.filter).toMatchObject({
      owner_id: expect.anything(),
      _id: { $nin: expect.any(Array) },
    });
    expect(longestList(deletes[0]!.filter)).toBe(3);
    const stored = await AddressBookEntry.find({ owner_id: me.id }, { tel: 1 }).lean();
    expect(stored.map((e) => e.tel).sort()).toEqual(small.map((c) => c.tel));
  });

  it('when half of the book changes then no query lists more than half of it, and the new book is stored whole', async () => {
    const me = await person();
    await upload(me, book(2_000, '72')).expect(200);
    const next = [...book(2_000, '72').slice(0, 1_000), ...book(1_000, '73')];
    const queries = await recorded(() => upload(me, next).expect(200));
    const entryQueries = queries.filter((q) => q.collection === 'address_book_entries');
    expect(entryQueries.length).toBeLessThanOrEqual(3); // read, delete, insert
    for (const q of entryQueries) expect(longestList(q.filter)).toBeLessThanOrEqual(1_000);
    const stored = await AddressBookEntry.find({ owner_id: me.id }, { tel: 1 }).lean();
    expect(stored.map((e) => e.tel).sort()).toEqual(next.map((c) => c.tel).sort());
  });

  it('when 2,000 contacts are read back then get_address_book makes the same few queries as for 3', async () => {
    const big = await person();
    const small = await person();
    await upload(big, book(2_000, '74')).expect(200);
    await upload(small, book(3, '74')).expect(200);
    const bigQueries = await recorded(() => big.agent.get('/get_address_book').expect(200));
    const smallQueries = await recorded(() => small.agent.get('/get_address_book').expect(200));
    const shapes = (qs: Query[]) =>
      qs.map((q) => `${q.collection}.${q.method}`).filter((s) => !s.startsWith('sessions'));
    expect(shapes(bigQueries)).toContain('address_book_entries.find');
    expect(shapes(bigQueries)).toEqual(shapes(smallQueries));
  });
});
