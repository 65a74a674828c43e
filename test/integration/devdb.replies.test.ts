/**
 * Every command gets its own reply (issue #25). The embedded database's front
 * (scripts/devdb/front.go) drops the reply FerretDB sends to a moreToCome message, which
 * the driver never reads; before it, one `w: 0` write shifted every later reply of its
 * pooled connection, and a session lookup answered with another user's session. The front
 * serves both backends (PostgreSQL, the suite's, and SQLite): the raw test runs on each.
 * On a real MongoDB (MONGODB_URI) the same tests hold: it never answers moreToCome.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import { BSON, type Document } from 'mongodb';
import { ConnectionString } from 'mongodb-connection-string-url';
import mongoose, { type Connection } from 'mongoose';
import request from 'supertest';
import { startDevDb, type DevDb } from '../../scripts/lib/devdb';
import { withDatabase } from '../../src/db/uri';
import { logIn, requireLogin, sessionMiddleware, SESSIONS_COLLECTION } from '../../src/http/session';
import { testConfig } from '../helpers/app';
import { testDatabaseUri } from '../helpers/db';

const OP_MSG = 2013;
const MORE_TO_COME = 1 << 1;

/** One OP_MSG with a body section holding `command`. */
function opMsg(requestId: number, command: Document, flags = 0): Buffer {
  const body = BSON.serialize(command);
  const head = Buffer.alloc(21);
  head.writeInt32LE(head.length + body.length, 0);
  head.writeInt32LE(requestId, 4);
  head.writeInt32LE(0, 8);
  head.writeInt32LE(OP_MSG, 12);
  head.writeUInt32LE(flags, 16);
  head.writeUInt8(0, 20);
  return Buffer.concat([head, body]);
}

/** Reads whole messages off a socket, in order. */
function messages(socket: Socket): () => Promise<{ responseTo: number; reply: Document }> {
  let buffered = Buffer.alloc(0);
  const waiting: (() => void)[] = [];
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    waiting.splice(0).forEach((wake) => wake());
  });
  return async function next() {
    while (buffered.length < 4 || buffered.length < buffered.readInt32LE(0)) {
      await new Promise<void>((resolve) => waiting.push(resolve));
    }
    const message = buffered.subarray(0, buffered.readInt32LE(0));
    buffered = buffered.subarray(message.length);
    const reply = BSON.deserialize(message.subarray(21));
    return { responseTo: message.readInt32LE(8), reply };
  };
}

/** The other backend of the embedded database beside the suite's (PostgreSQL by default). */
let sqlite: { devdb: DevDb; dir: string } | undefined;
beforeAll(async () => {
  if (process.env.MONGODB_URI) return;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pictever-sqlite-'));
  sqlite = { devdb: await startDevDb({ dir, backend: 'sqlite' }), dir };
});
afterAll(async () => {
  await sqlite?.devdb.stop();
  if (sqlite) rmSync(sqlite.dir, { recursive: true, force: true });
});

const servers: [string, () => string][] = [
  ["the suite's server", () => testDatabaseUri()],
  ['the embedded database on SQLite', () => withDatabase(sqlite?.devdb.uri ?? testDatabaseUri(), 'raw')],
];

describe('a raw moreToCome message', () => {
  it.each(servers)(
    'when a w: 0 insert is followed by a find on the same socket of %s then the find gets its own reply, and the insert was applied',
    async (_name, uriOf) => {
      const cs = new ConnectionString(uriOf());
      const [host, port] = cs.hosts[0]!.split(':');
      const db = cs.pathname.slice(1);
      const socket = connect(Number(port ?? 27017), host);
      await new Promise((resolve) => socket.once('connect', resolve));
      const next = messages(socket);
      try {
        const insert = { insert: 'raw', documents: [{ _id: 'one' }], writeConcern: { w: 0 }, $db: db };
        socket.write(opMsg(101, insert, MORE_TO_COME));
        socket.write(opMsg(102, { find: 'raw', filter: { _id: 'one' }, $db: db }));
        const first = await next();
        expect(first.responseTo).toBe(102);
        expect(first.reply).toMatchObject({ ok: 1, cursor: { firstBatch: [{ _id: 'one' }] } });
        // Nothing else comes: the next reply on the socket is that of the next request.
        socket.write(opMsg(103, { ping: 1, $db: db }));
        expect(await next()).toMatchObject({ responseTo: 103, reply: { ok: 1 } });
        socket.write(opMsg(104, { dropDatabase: 1, $db: db }));
        expect((await next()).responseTo).toBe(104);
      } finally {
        socket.destroy();
      }
    },
  );
});

describe('session lookups beside connect-mongo’s old sweep', () => {
  let connection: Connection;

  beforeAll(async () => {
    // A connection of its own, without the guard of src/db/writeConcern.ts, so that the
    // unacknowledged deletes reach the database as connect-mongo's 'interval' sent them; a
    // small pool, so that they share connections with the lookups as a busy web's did.
    connection = await mongoose.createConnection(testDatabaseUri(), { maxPoolSize: 2 }).asPromise();
  });
  afterAll(async () => {
    await connection.dropDatabase().catch(() => undefined);
    await connection.close();
  });

  it('when the sweep (w: 0) runs once a second for 6 s then no lookup of one session answers another, and none fails', async () => {
    const app = express();
    app.use(sessionMiddleware(testConfig(), connection, { warn: () => undefined }));
    app.post('/in/:user', (req, res, next) => {
      logIn(req, { id: req.params.user }).then(() => res.end(), next);
    });
    app.get('/who', requireLogin, (req, res) => {
      res.send(req.user?.id);
    });
    const cookieOf = async (user: string) => {
      const res = await request(app).post(`/in/${user}`).expect(200);
      return String(res.headers['set-cookie']?.[0]).split(';')[0]!;
    };
    const cookies = { alice: await cookieOf('alice'), bob: await cookieOf('bob') };

    // connect-mongo 6's autoRemove 'interval', word for word, sped up from 10 minutes to 1 s.
    const sessions = connection.getClient().db(connection.name).collection(SESSIONS_COLLECTION);
    const sweep = setInterval(() => {
      sessions
        .deleteMany({ expires: { $lt: new Date() } }, { writeConcern: { w: 0 } })
        .catch(() => undefined);
    }, 1_000);
    const answers = { own: 0, crossed: 0, failed: 0 };
    try {
      const end = Date.now() + 6_000;
      while (Date.now() < end) {
        await Promise.all(
          (['alice', 'bob'] as const).map(async (user) => {
            const res = await request(app).get('/who').set('cookie', cookies[user]);
            if (res.status !== 200) answers.failed += 1;
            else if (res.text === user) answers.own += 1;
            else answers.crossed += 1;
          }),
        );
      }
    } finally {
      clearInterval(sweep);
    }
    expect(answers.own).toBeGreaterThan(100);
    expect({ crossed: answers.crossed, failed: answers.failed }).toEqual({ crossed: 0, failed: 0 });
  });
});
