/**
 * Database faults on routes the apps call (issue #19 item 10): the driver talks to the
 * embedded database through test/helpers/wireProxy.ts, which answers chosen commands
 * itself with the replies seen under load. A safe read is tried once more and the route
 * answers 200; a second failure, or a failed write (never repeated), answers 503 with
 * Retry-After; a command the server refuses for its content is our bug and stays a 500.
 */
import { BSON } from 'mongodb';
import mongoose, { Types } from 'mongoose';
import { retrySafeReads } from '../../src/db/safeReads';
import { Message } from '../../src/models';
import { buildTestApp, type TestApp } from '../helpers/app';
import { useTestDatabase } from '../helpers/db';
import { sendAndroid, seedTestCatalog, storeMessage } from '../helpers/messageFactories';
import { createTestUser, loggedIn, type Client } from '../helpers/session';
import { startWireProxy, type WireProxy } from '../helpers/wireProxy';

/** The embedded database's answer that ended the soak of the issue with a 500: no `cursor`. */
const NO_CURSOR = { ok: 1 };
const LOCKED = { ok: 0, code: 1, codeName: 'InternalError', errmsg: 'database is locked' };
const BAD_QUERY = { ok: 0, code: 2, codeName: 'BadValue', errmsg: 'unknown operator: $foo' };

let proxy: WireProxy;
beforeAll(async () => {
  proxy = await startWireProxy(process.env.TEST_MONGODB_URI!);
});
useTestDatabase({ through: (uri) => proxy.uri(uri) });
afterAll(async () => {
  await proxy.close();
});

let t: TestApp;
let sam: Client;
let rita: Client;
let status = '';

beforeAll(async () => {
  await seedTestCatalog();
  t = buildTestApp();
  retrySafeReads(t.logger);
  sam = await loggedIn(t.app, { phone: '0033611111111' });
  rita = await loggedIn(t.app, { phone: '0033622222222' });
  status = (await sam.get('/get_my_status').expect(200)).text;
});

beforeEach(() => {
  proxy.reset();
  t.logLines.length = 0;
});

const logged = (level: number, msg: string) =>
  t.logLines.filter((l) => l.includes(`"level":${level}`) && l.includes(msg)).length;

describe('a safe read that the database answers badly', () => {
  it('when the count of GET /get_my_status gets a reply without its cursor once then it is read again: 200', async () => {
    proxy.inject({ command: 'aggregate', collection: 'messages', reply: NO_CURSOR });
    const res = await sam.get('/get_my_status');
    expect(res.status).toBe(200);
    expect(res.text).toBe(status);
    expect(proxy.seen('aggregate', 'messages')).toBe(2);
    expect(logged(40, 'database read failed, trying it once more')).toBe(1);
    expect(t.logLines.join('')).toContain('BSON element \\"cursor\\" is missing');
  });

  it('when the user lookup answers InternalError "database is locked" once then it is read again: 200', async () => {
    proxy.inject({ command: 'find', collection: 'users', reply: LOCKED });
    const res = await sam.get('/get_my_status');
    expect(res.status).toBe(200);
    expect(res.text).toBe(status);
    expect(proxy.seen('find', 'users')).toBe(2);
  });

  it('when the session read of the request fails once then it is read again: 200, still logged in', async () => {
    proxy.inject({ command: 'find', collection: 'sessions', reply: NO_CURSOR });
    const res = await sam.get('/get_my_status');
    expect(res.status).toBe(200);
    expect(proxy.seen('find', 'sessions')).toBe(2);
  });

  it('when the read fails twice then 503 with Retry-After and a reason, no third try, a warning and not a bug', async () => {
    proxy.inject({ command: 'aggregate', collection: 'messages', reply: NO_CURSOR, times: 2 });
    const res = await sam.get('/get_my_status');
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toBe('database error, retry later');
    expect(proxy.seen('aggregate', 'messages')).toBe(2);
    expect(logged(40, 'database fault answered 503')).toBe(1);
    expect(logged(50, 'request failed')).toBe(0); // the error handler's mark of a bug
  });

  it('when a find with a transform of its caller fails once then the second run transforms once and decrypts', async () => {
    const ana = (await createTestUser()).oid; // messages of her own, out of the other tests' way
    await storeMessage({ sender: ana, receiver: ana, message: 'kept apart' });
    proxy.inject({ command: 'find', collection: 'messages', reply: NO_CURSOR });
    let transformed = 0;
    const found = await Message.find({ receiver_id: ana })
      .lean()
      .transform((docs) => {
        transformed += 1;
        return docs;
      });
    expect(found.map((m) => m.message)).toEqual(['kept apart']); // decrypted, by the retry's own hook
    expect(transformed).toBe(1);
    expect(proxy.seen('find', 'messages')).toBe(2);
  });

  it('when a Mongoose aggregation fails once then it is run again, unless it writes ($out)', async () => {
    proxy.inject({ command: 'aggregate', collection: 'messages', reply: NO_CURSOR });
    await expect(Message.aggregate([{ $match: { sender_id: sam.user.oid } }])).resolves.toEqual([]);
    expect(proxy.seen('aggregate', 'messages')).toBe(2);

    proxy.reset();
    proxy.inject({ command: 'aggregate', collection: 'messages', reply: NO_CURSOR });
    const writing = Message.aggregate([{ $match: { sender_id: sam.user.oid } }, { $out: 'messages_copy' }]);
    await expect(writing).rejects.toMatchObject({ name: 'MongoUnexpectedServerResponseError' });
    expect(proxy.seen('aggregate', 'messages')).toBe(1);
  });
});

describe('a read answered with documents that cannot match it', () => {
  /** A find reply whose one message lacks delivery_time, as /receive_all once got under load. */
  const wrongBatch = (receiver: Types.ObjectId) => ({
    ok: 1,
    cursor: {
      id: BSON.Long.fromNumber(0),
      ns: `${mongoose.connection.name}.messages`,
      firstBatch: [
        { _id: new Types.ObjectId(), sender_id: sam.user.oid, receiver_id: receiver, blocked: false },
      ],
    },
  });

  it('when the /receive_all window gets a message without delivery_time once then it is read again: 200', async () => {
    await storeMessage({ sender: sam.user.oid, receiver: rita.user.oid, message: 'kept' });
    const path = `/receive_all?ts=${Math.floor(Date.now() / 1000) - 60}`;
    const expected = JSON.parse((await rita.get(path).expect(200)).text) as { new_messages: unknown[] };
    expect(expected.new_messages).toHaveLength(1);
    proxy.reset();
    proxy.inject({ command: 'find', collection: 'messages', reply: wrongBatch(rita.user.oid) });
    const res = await rita.get(path);
    expect(res.status).toBe(200);
    expect((JSON.parse(res.text) as { new_messages: unknown[] }).new_messages).toEqual(expected.new_messages);
    expect(proxy.seen('find', 'messages')).toBe(2);
    expect(t.logLines.join('')).toContain('a document of messages lacks delivery_time');
  });

  it('when it gets such a reply twice then 503 with Retry-After, not the 500 of a TypeError', async () => {
    proxy.inject({ command: 'find', collection: 'messages', reply: wrongBatch(rita.user.oid), times: 2 });
    const res = await rita.get(`/receive_all?ts=${Math.floor(Date.now() / 1000) - 60}`);
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(logged(50, 'request failed')).toBe(0);
  });

  it('when the session read gets another session than it asked for once then it is read again: 200', async () => {
    const other = { _id: 'another-session', expires: new Date(Date.now() + 60_000), session: {} };
    const reply = {
      ok: 1,
      cursor: {
        id: BSON.Long.fromNumber(0),
        ns: `${mongoose.connection.name}.sessions`,
        firstBatch: [other],
      },
    };
    proxy.inject({ command: 'find', collection: 'sessions', reply });
    const res = await sam.get('/get_my_status');
    expect(res.status).toBe(200);
    expect(res.text).toBe(status);
    expect(proxy.seen('find', 'sessions')).toBe(2);
  });
});

describe('a write that the database answers badly', () => {
  it('when the update of POST /resend answers "database is locked" then 503 with Retry-After, sent once, nothing changed', async () => {
    const delivery = new Date(Date.now() - 3_600_000);
    const id = await storeMessage({ sender: sam.user.oid, receiver: rita.user.oid, delivery });
    proxy.inject({ command: 'update', collection: 'messages', reply: LOCKED });
    const res = await sendAndroid(rita.post('/resend'), { message_id: String(id) });
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.text).toBe('database error, retry later');
    expect(proxy.seen('update', 'messages')).toBe(1);
    expect((await Message.findById(id).lean())?.delivery_time).toEqual(delivery);
  });
});

describe('a bug of ours', () => {
  it('when the server refuses the user lookup for its content (BadValue) then 500, not retried, logged as an error', async () => {
    proxy.inject({ command: 'find', collection: 'users', reply: BAD_QUERY });
    const res = await sam.get('/get_my_status');
    expect(res.status).toBe(500);
    expect(res.text).toBe('internal error');
    expect(res.headers['retry-after']).toBeUndefined();
    expect(proxy.seen('find', 'users')).toBe(1);
    expect(logged(50, 'request failed')).toBe(1);
  });
});

describe('the embedded database', () => {
  it('has no failCommand fail point (configureFailPoint), hence the proxy', async () => {
    const admin = mongoose.connection.getClient().db('admin');
    const failPoint = {
      configureFailPoint: 'failCommand',
      mode: { times: 1 },
      data: { failCommands: ['find'] },
    };
    await expect(admin.command(failPoint)).rejects.toMatchObject({ code: 59, codeName: 'CommandNotFound' });
  });
});
