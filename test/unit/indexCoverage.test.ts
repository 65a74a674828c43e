import { filterShapes, shapesOfCommand, type QueryShape } from '../../src/db/queryShapes';
import { checkCoverage, servingIndex } from '../../scripts/lib/indexCoverage';

const shape = (p: Partial<QueryShape>): QueryShape => ({
  collection: 'messages',
  op: 'find',
  eq: [],
  sort: [],
  range: [],
  other: [],
  ...p,
});

describe('query shapes', () => {
  it('when a filter mixes equality, $in, ranges and other operators then each field is classified', () => {
    expect(
      filterShapes({ a: 1, b: { $in: [1, 2] }, c: { $gte: 1, $lt: 3 }, d: { $ne: true }, e: { x: 1 } }),
    ).toEqual([{ eq: ['a', 'b', 'e'], range: ['c'], other: ['d'] }]);
  });

  it('when a filter has $or then each branch is its own shape with the common fields', () => {
    expect(filterShapes({ s: 'p', $or: [{ a: 1 }, { b: 2 }] })).toEqual([
      { eq: ['s', 'a'], range: [], other: [] },
      { eq: ['s', 'b'], range: [], other: [] },
    ]);
  });

  it('when commands are find, update, delete and aggregate then their filters and sorts are read', () => {
    expect(shapesOfCommand({ find: 'm', filter: { r: 1 }, sort: { t: 1 } })[0]).toMatchObject({
      collection: 'm',
      eq: ['r'],
      sort: ['t'],
    });
    expect(shapesOfCommand({ update: 'm', updates: [{ q: { _id: 1 } }, { q: { x: 2 } }] })).toHaveLength(2);
    expect(shapesOfCommand({ delete: 'm', deletes: [{ q: { y: { $lt: 1 } } }] })[0]?.range).toEqual(['y']);
    expect(
      shapesOfCommand({
        aggregate: 'm',
        pipeline: [{ $match: { s: 1 } }, { $group: {} }, { $sort: { n: 1 } }],
      })[0],
    ).toMatchObject({ eq: ['s'], sort: ['n'] });
    expect(shapesOfCommand({ insert: 'm', documents: [] })).toEqual([]);
    const mongooseSort = new Map([
      ['b', 1],
      ['a', -1],
    ]);
    expect(shapesOfCommand({ find: 'm', filter: {}, sort: mongooseSort })[0]?.sort).toEqual(['b', 'a']);
  });
});

describe('servingIndex', () => {
  const indexes = [
    ['receiver_id', 'blocked', 'delivery_time'],
    ['sender_id', 'state'],
  ];

  it('when equality then range follow an index prefix then that index serves it', () => {
    expect(
      servingIndex(shape({ eq: ['blocked', 'receiver_id'], range: ['delivery_time'] }), indexes),
    ).toEqual(['receiver_id', 'blocked', 'delivery_time']);
  });

  it('when a range field comes before an unused equality field then it is not served', () => {
    expect(servingIndex(shape({ eq: ['receiver_id'], range: ['delivery_time'] }), indexes)).toBeUndefined();
  });

  it('when only a suffix of the index is queried then it is not served', () => {
    expect(servingIndex(shape({ eq: ['state'] }), indexes)).toBeUndefined();
  });

  it('when _id is an equality field then the _id index serves it', () => {
    expect(servingIndex(shape({ eq: ['_id', 'x'] }), [])).toEqual(['_id']);
  });

  it('when the filter is empty then nothing serves it', () => {
    expect(servingIndex(shape({}), indexes)).toBeUndefined();
  });

  it('when a sort follows the equality fields then it must match the index order', () => {
    expect(servingIndex(shape({ eq: ['sender_id'], sort: ['state'] }), indexes)).toEqual([
      'sender_id',
      'state',
    ]);
    expect(servingIndex(shape({ eq: ['state'], sort: ['sender_id'] }), indexes)).toBeUndefined();
  });

  it('when a collection is a small catalog then a scan is accepted and noted', () => {
    const r = checkCoverage([shape({ collection: 'send_choices' })], new Map(), new Set(['send_choices']));
    expect(r.uncovered).toEqual([]);
    expect(r.covered[0]?.note).toMatch(/small/);
    const bad = checkCoverage([shape({ eq: ['x'] })], new Map([['messages', indexes]]), new Set());
    expect(bad.uncovered).toHaveLength(1);
  });
});
