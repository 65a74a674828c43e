/**
 * Where our extra cost per request comes from, measured piece by piece in this process
 * (one operation at a time; CPU from process.cpuUsage, so the in-process client's share is
 * the same on both sides of each comparison and cancels out in the difference):
 * - the session layer (express-session + connect-mongo + passport's session, as
 *   src/http/session.ts builds it) against a bare Express route;
 * - storing one /send message with Mongoose's hydrating insertMany against `lean: true`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';
import mongoose, { Types } from 'mongoose';
import passport from 'passport';
import { loadConfig } from '../src/config';
import { logIn } from '../src/http/auth';
import { requireLogin, sessionMiddleware } from '../src/http/session';
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

async function measure(name: string, reps: number, commands: CommandLog, op: () => Promise<unknown>) {
  for (let i = 0; i < 5; i++) await op(); // warm
  const trips = (await commands.record(op)).length;
  const cpu = process.cpuUsage();
  const t = performance.now();
  for (let i = 0; i < reps; i++) {
    await op();
    if (i % 20 === 0) step(`${name}`, i, reps);
  }
  endStep();
  const used = process.cpuUsage(cpu);
  return {
    name,
    cpuMs: (used.user + used.system) / 1000 / reps,
    wallMs: (performance.now() - t) / reps,
    trips,
  };
}

async function serve(app: Express): Promise<{ url: string; server: Server }> {
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

function sessionApp(env: Record<string, string>, userId: string): Express {
  const app = express();
  app.use(passport.initialize());
  app.use(sessionMiddleware(loadConfig(env), mongoose.connection));
  app.post('/in', (req, res, next) => {
    logIn(req, { id: userId }).then(() => res.end(), next);
  });
  app.get('/who', requireLogin, (req, res) => {
    res.send(req.user?.id ?? '');
  });
  return app;
}

async function sessionPair(env: Record<string, string>, userId: string, reps: number, commands: CommandLog) {
  const bare = express();
  bare.get('/who', (_req, res) => {
    res.send(userId);
  });
  const plain = await serve(bare);
  const withSession = await serve(sessionApp(env, userId));
  try {
    const cookie = (await call(withSession.url, 'POST', '/in')).cookie;
    return {
      what: 'session layer: express-session + connect-mongo + passport session, on a bare route',
      without: await measure('bare Express route', reps, commands, () => call(plain.url, 'GET', '/who')),
      with: await measure('same route behind the session', reps, commands, () =>
        call(withSession.url, 'GET', '/who', cookie),
      ),
    };
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
      without: await measure('insertMany lean', reps, commands, () =>
        Message.insertMany([doc()], { lean: true }),
      ),
      with: await measure('insertMany hydrating', reps, commands, () => Message.insertMany([doc()])),
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
    pairs: [await sessionPair(env, userId, reps, commands), await insertPair(reps, commands)],
  };
}
