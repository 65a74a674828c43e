import { ObjectId } from 'mongodb';
import { databaseFault, WrongReplyError } from '../../src/db/faults';
import { checkReply } from '../../src/db/replies';

const rita = new ObjectId();
const window = { $gte: new Date(1_000), $lte: new Date(9_000) };
const receiveFilter = { receiver_id: rita, blocked: false, delivery_time: window };
const message = { _id: new ObjectId(), receiver_id: rita, blocked: false, delivery_time: new Date(5_000) };

const check = (filter: Record<string, unknown>, docs: unknown, projection?: Record<string, unknown>) => () =>
  checkReply('messages', filter, projection, docs);

describe('checkReply: documents that cannot match the read that got them', () => {
  it('when a receive_all window gets a message without delivery_time (seen in npm run load) then a wrong reply', () => {
    const { delivery_time: _, ...lacking } = message;
    expect(check(receiveFilter, [message, lacking])).toThrow(
      new WrongReplyError('a document of messages lacks delivery_time, which its filter requires'),
    );
    expect(databaseFault(new WrongReplyError('x'))).toBe('answered');
  });

  it('when a filter asks for false and the document has no such field then a wrong reply', () => {
    const { blocked: _, ...lacking } = message;
    expect(check({ receiver_id: rita, blocked: false }, [lacking])).toThrow(WrongReplyError);
  });

  it('when a lookup by _id gets another document, or one outside its $in, then a wrong reply', () => {
    expect(check({ _id: rita }, { _id: new ObjectId() })).toThrow(/another _id/);
    expect(check({ _id: 'sid-1' }, { _id: 'sid-2' })).toThrow(/another _id/);
    expect(check({ _id: { $in: [rita] } }, [{ _id: rita }, { _id: new ObjectId() }])).toThrow(/another _id/);
  });

  it("when a window for one receiver gets another receiver's message then a wrong reply (it would leak it)", () => {
    const theirs = { ...message, receiver_id: new ObjectId() };
    expect(check(receiveFilter, [message, theirs])).toThrow(
      new WrongReplyError('a document of messages has another receiver_id than its filter names'),
    );
    expect(check(receiveFilter, [{ ...message, blocked: true }])).toThrow(/another blocked/);
    expect(check({ email: { $eq: 'a@b.c' } }, { _id: rita, email: 'x@y.z' })).toThrow(/another email/);
    expect(check({ kind: { $in: ['a', 'b'] } }, { _id: rita, kind: 'c' })).toThrow(/another kind/);
  });

  it('when a value may match in ways equality does not show then it is left alone', () => {
    const long = { _bsontype: 'Long', low: 5, high: 0 };
    expect(check({ n: 5 }, { _id: rita, n: long })).not.toThrow(); // another numeric type
    expect(check({ tags: 'a' }, { _id: rita, tags: ['b', 'a'] })).not.toThrow(); // an array holding it
    expect(check({ receiver_id: rita }, { _id: rita, receiver_id: null })).not.toThrow(); // not a match, not a scalar
    expect(check({ kind: { $in: ['a', /b/] } }, { _id: rita, kind: 'bb' })).not.toThrow();
  });

  it('when the documents match then nothing is thrown, for lean and hydrated documents alike', () => {
    expect(check(receiveFilter, [message, { ...message, extra: 1 }])).not.toThrow();
    expect(check(receiveFilter, [{ _doc: message }])).not.toThrow();
    expect(check({ _id: message._id }, message)).not.toThrow();
    expect(check({ _id: new ObjectId(message._id.toHexString()) }, message)).not.toThrow();
    expect(check({ _id: 'sid-1' }, { _id: 'sid-1' })).not.toThrow();
    expect(check({ _id: { $in: [rita, message._id] } }, [message])).not.toThrow();
  });

  it('when nothing came back then nothing is checked', () => {
    expect(check({ _id: rita }, null)).not.toThrow();
    expect(check(receiveFilter, [])).not.toThrow();
  });

  it.each([
    ['null equality (matches a missing field)', { delivery_time: null }],
    ['$ne', { delivery_time: { $ne: new Date(1) } }],
    ['$exists', { delivery_time: { $exists: false } }],
    ['$nin', { delivery_time: { $nin: [new Date(1)] } }],
    ['$in with null', { delivery_time: { $in: [null, new Date(1)] } }],
    ['a regex', { delivery_time: /x/ }],
    ['an array value', { delivery_time: [1, 2] }],
    ['a dotted path', { 'push.at': new Date(1) }],
    ['$or branches', { $or: [{ delivery_time: new Date(1) }, { receiver_id: null }] }],
    ['an embedded document', { delivery_time: { at: 1 } }],
    ['a comparison with null', { delivery_time: { $lte: null } }],
  ])('when the filter uses %s then a document without the field is not called wrong', (_what, filter) => {
    expect(check(filter, [{ _id: rita }])).not.toThrow();
  });

  it('when the projection leaves the field out then it is not required', () => {
    const lacking = { _id: rita };
    expect(check(receiveFilter, [lacking], { receiver_id: 0, blocked: 0, delivery_time: 0 })).not.toThrow();
    expect(check(receiveFilter, [lacking], { message: 1 })).not.toThrow();
    expect(check(receiveFilter, [lacking], { delivery_time: { $slice: 1 } })).not.toThrow();
    expect(check({ _id: rita }, [{}], { _id: 0 })).not.toThrow();
    // Model.exists() and lookups of ids only: `{ _id: 1 }` returns nothing else.
    expect(check(receiveFilter, [{ _id: rita }], { _id: 1 })).not.toThrow();
    expect(check({ email: { $eq: 'a@b.c' } }, { _id: rita }, { _id: 1 })).not.toThrow();
    expect(check(receiveFilter, [{ _id: rita }], { _id: 0, message: 0 })).toThrow(WrongReplyError);
    // An exclusion of other fields, as /receive_all reads, still returns the filtered ones.
    expect(check(receiveFilter, [lacking], { push: 0, state: 0 })).toThrow(WrongReplyError);
    expect(check(receiveFilter, [lacking], { delivery_time: 1, receiver_id: 1 })).toThrow(WrongReplyError);
  });

  it('when the model hides a field (select: false) then it is not required', () => {
    const hidden = (f: string) => f === 'password';
    expect(() => checkReply('users', { password: 'x' }, undefined, [{ _id: rita }], hidden)).not.toThrow();
  });
});
