/**
 * Where our extra cost per request comes from, measured piece by piece in this process
 * (one operation at a time, the two sides of a comparison in alternating rounds; CPU from
 * process.cpuUsage, so the in-process client's share is the same on both sides and cancels
 * out in the difference):
 * - the session layer (express-session, the connect-mongo store and the session user, as
 *   src/http/session.ts builds it) against a bare Express route, and the one database
 *   lookup it makes per request, alone;
 * - storing one /send message with Mongoose's hydrating insertMany against `lean: true`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';
import mongoose, { Types } from 'mongoose';
import { loadConfig } from '../src/config';
import { logIn, requireLogin, sessionMiddleware } from '../src/http/session';
import { Message } from '../src/models';
import { call } from './http';
import { benchDb, type CommandLog } from './inProcess';
import { step, endStep } from './progress';
import { messageDoc } from './seed';

export interface Piece {
  name: string;
  /** CPU ms per operation. */
  cpuMs: number;
  wallMs: number;
  trips: number;
}

export interface AblationResult {
  reps: number;
  pairs: { what: string; without: Piece; with: Piece }[];
}

type Op = () => Promise<unknown>;

/** Rounds of the two sides, alternating, so that a change in the machine's load hits both alike. */
const ROUNDS = 5;

async function timeOps(label: string, op: Op, n: number): Promise<{ cpuMs: number; wallMs: number }> {
  const cpu = process.cpuUsage();
  const t = performance.now();
  for (let i = 0; i < n; i++) {
    await op();
    if (i % 20 === 0) step(label, i, n);
  }
  endStep();
  const used = process.cpuUsage(cpu);
  return { cpuMs: (used.user + used.system) / 1000 / n, wallMs: (performance.now() - t) / n };
}

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;

/** Both sides after a warm-up, `reps` operations each in alternating rounds; medians of the rounds. */
async function compare(
  names: [string, string],
  reps: number,
  commands: CommandLog,
  ops: [Op, Op],
): Promise<{ without: Piece; with: Piece }> {
  const per = Math.max(1, Math.ceil(reps / ROUNDS));
  const rounds: { cpuMs: number; wallMs: number }[][] = [[], []];
  const trips: number[] = [];
  for (const op of ops) {
    for (let i = 0; i < 10; i++) await op(); // warm
    trips.push((await commands.record(op)).length);
  }
  for (let r = 1; r <= ROUNDS; r++) {
    for (const [k, op] of ops.entries())
      rounds[k]!.push(await timeOps(`${names[k]} ${r}/${ROUNDS}`, op, per));
  }
  const piece = (k: number): Piece => ({
    name: names[k]!,
    cpuMs: median(rounds[k]!.map((x) => x.cpuMs)),
    wallMs: median(rounds[k]!.map((x) => x.wallMs)),
    trips: trips[k]!,
  });
  return { without: piece(0), with: piece(1) };
}

async function serve(app: Express): Promise<{ url: string; server: Server }> {
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

function sessionApp(env: Record<string, string>, userId: string): Express {
  const app = express();
  app.use(sessionMiddleware(loadConfig(env), mongoose.connection, console));
  app.post('/in', (req, res, next) => {
    logIn(req, { id: userId }).then(() => res.end(), next);
  });
  app.get('/who', requireLogin, (req, res) => {
    res.send(req.user?.id ?? '');
  });
  return app;
}

/** The session layer on a bare route, and its one lookup alone (the part a session needs). */
async function sessionPairs(env: Record<string, string>, userId: string, reps: number, commands: CommandLog) {
  const sessions = benchDb().collection<{ _id: string }>('sessions');
  const bare = express();
  bare.get('/who', (_req, res) => {
    res.send(userId);
  });
  bare.get('/lookup', (_req, res, next) => {
    sessions.findOne({ _id: 'no-such-session' }).then(() => res.send(userId), next);
  });
  const plain = await serve(bare);
  const withSession = await serve(sessionApp(env, userId));
  try {
    const cookie = (await call(withSession.url, 'POST', '/in')).cookie;
    const route = () => call(plain.url, 'GET', '/who');
    return [
      {
        what: 'session layer: express-session + connect-mongo store + session user, on a bare route',
        ...(await compare(['bare Express route', 'same route behind the session'], reps, commands, [
          route,
          () => call(withSession.url, 'GET', '/who', cookie),
        ])),
      },
      {
        what: 'its database lookup alone: one findOne by _id on sessions, on the bare route',
        ...(await compare(['bare Express route', 'same route with one findOne'], reps, commands, [
          route,
          () => call(plain.url, 'GET', '/lookup'),
        ])),
      },
    ];
  } finally {
    for (const s of [plain.server, withSession.server]) {
      s.closeAllConnections();
      s.close();
    }
  }
}

async function insertPair(reps: number, commands: CommandLog) {
  const sender = new Types.ObjectId();
  const doc = () => {
    const now = new Date();
    return messageDoc({
      sender,
      receiver: new Types.ObjectId(),
      createdAt: now,
      delivery: new Date(now.getTime() + 3600_000),
    });
  };
  try {
    return {
      what: 'storing one /send message: Message.insertMany, hydrating (as now) or { lean: true }',
      ...(await compare(['insertMany lean', 'insertMany hydrating'], reps, commands, [
        () => Message.insertMany([doc()], { lean: true }),
        () => Message.insertMany([doc()]),
      ])),
    };
  } finally {
    await benchDb().collection('messages').deleteMany({ sender_id: sender });
  }
}

export async function runAblation(
  env: Record<string, string>,
  userId: string,
  reps: number,
  commands: CommandLog,
): Promise<AblationResult> {
  return {
    reps,
    pairs: [...(await sessionPairs(env, userId, reps, commands)), await insertPair(reps, commands)],
  };
}
