/**
 * Round trips per request, counted honestly: the driver's command monitoring reports
 * every command a client sends (`commandStarted`), and requests are sent one at a time to
 * a server running in this process, so each command belongs to the request in flight.
 *
 * Ours is the real app (createApp from src/app.ts, built as the tests build it: the same
 * routes, session store and services as the web process) on a Mongoose connection opened
 * here with monitorCommands; the baseline is bench/baseline.ts on its own monitored
 * MongoClient. The load runs use the child processes instead; only the counting (and the
 * growth timings) happen here.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import mongoose from 'mongoose';
import { MongoClient, type CommandStartedEvent } from 'mongodb';
import { loadConfig } from '../src/config';
import { syncIndexes } from '../src/db/indexes';
import { createLogger } from '../src/logger';
import '../src/models';
import { appOnDefaultConnection } from '../test/helpers/app';
import { commandCollection } from '../workers/metrics';
import { createBaseline } from './baseline';

/** Records the commands a client sends while a function runs. */
export class CommandLog {
  private current?: string[];

  constructor(client: MongoClient) {
    client.on('commandStarted', (e: CommandStartedEvent) => {
      // A getMore names its collection too (workers/metrics.ts), not its cursor.
      this.current?.push(`${e.commandName} ${commandCollection(e)}`.trim());
    });
  }

  /** The commands sent by `fn`, including any sent within `settleMs` after it returned. */
  async record(fn: () => Promise<unknown>, settleMs = 30): Promise<string[]> {
    const names: string[] = [];
    this.current = names;
    try {
      await fn();
      await new Promise((r) => setTimeout(r, settleMs));
    } finally {
      this.current = undefined;
    }
    return names;
  }
}

/**
 * Opens the bench's Mongoose connection to `uri` (monitored), with the declared indexes.
 * Its query shapes are not recorded: it also seeds and cleans up, which the server never
 * does; the same server queries are recorded by the child processes.
 */
export async function connectBench(uri: string): Promise<CommandLog> {
  await mongoose.disconnect();
  mongoose.set('autoIndex', false);
  await mongoose.connect(uri, { monitorCommands: true, maxPoolSize: 20, serverSelectionTimeoutMS: 5_000 });
  await syncIndexes(mongoose.connection, loadConfig({ NODE_ENV: 'test' }), createLogger('warn'));
  return new CommandLog(mongoose.connection.getClient());
}

export function benchDb() {
  const db = mongoose.connection.db;
  if (!db) throw new Error('the bench is not connected');
  return db;
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`),
    ),
  );
}

const close = (server: Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

export interface InProcessServer {
  baseUrl: string;
  commands: CommandLog;
  close(): Promise<void>;
}

/** Our app on the bench's Mongoose connection, configured as the web children are. */
export async function startOursInProcess(
  env: Record<string, string>,
  commands: CommandLog,
): Promise<InProcessServer> {
  const config = loadConfig({ ...env, LOG_LEVEL: 'warn' });
  const logger = createLogger('warn', new Writable({ write: (_c, _e, done) => done() }));
  const server = createServer(appOnDefaultConnection(config, logger));
  const baseUrl = await listen(server);
  return { baseUrl, commands, close: () => close(server) };
}

/** The baseline on its own monitored client. */
export async function startBaselineInProcess(uri: string): Promise<InProcessServer> {
  const client = await MongoClient.connect(uri, { monitorCommands: true, maxPoolSize: 20 });
  const commands = new CommandLog(client);
  const server = await createBaseline(client.db());
  const baseUrl = await listen(server);
  return {
    baseUrl,
    commands,
    close: async () => {
      await close(server);
      await client.close();
    },
  };
}
