/**
 * The one Mongoose connection of a process. Start-up waits for the database; once
 * connected, the driver reconnects by itself and requests fail fast (503) meanwhile.
 */
import type { CommandStartedEvent } from 'mongodb';
import mongoose, { type Connection } from 'mongoose';
import type { Config } from '../config';
import { useDataKeys } from '../crypto/current';
import type { Logger } from '../logger';
import { detectCapabilities } from './capabilities';
import { recordQueryShapes } from './queryShapes';
import { refuseUnacknowledgedWrites } from './writeConcern';

export interface ConnectOptions {
  /** Folder where query shapes are recorded (DB_QUERY_LOG_DIR); unset records nothing. */
  queryLogDir?: string;
  /** Names the process in the recorded file and the driver's appName. */
  processName?: string;
  /**
   * Called with every command the client starts (driver command monitoring, which every
   * process has on for the guard of ./writeConcern.ts), from the first one; the worker
   * counts its commands with it.
   */
  onCommand?: (event: CommandStartedEvent) => void;
}

/** Set by disconnectDatabase: a disconnect asked for is not news. */
let closing = false;

export async function connectDatabase(
  uri: string,
  logger: Logger,
  options: ConnectOptions = {},
): Promise<Connection> {
  closing = false;
  mongoose.set('strictQuery', true);
  mongoose.set('autoIndex', false); // indexes are the release's (src/db/indexes.ts)
  mongoose.set('bufferCommands', false); // no silent queueing while disconnected
  const connection = mongoose.connection;
  connection.on('disconnected', () => {
    if (!closing) logger.warn('database disconnected');
  });
  connection.on('reconnected', () => logger.info('database reconnected'));
  await mongoose.connect(uri, {
    serverSelectionTimeoutMS: 5_000,
    connectTimeoutMS: 5_000,
    maxPoolSize: 20,
    appName: options.processName,
    monitorCommands: true,
  });
  refuseUnacknowledgedWrites(connection.getClient());
  if (options.onCommand) connection.getClient().on('commandStarted', options.onCommand);
  if (options.queryLogDir) {
    recordQueryShapes(connection.getClient(), options.queryLogDir, options.processName ?? 'process');
  }
  // Once per process: what the server can do decides TTL indexes against sweeps.
  const { server, version, ttl } = await detectCapabilities(connection);
  logger.info({ db: connection.db?.databaseName, server, version, ttl }, 'database connected');
  return connection;
}

/**
 * Loads this process's data keys (src/crypto/current.ts) before any model is read or
 * written; says so once when they are the local ones.
 */
export function loadDataKeys(config: Config, logger: Logger): void {
  const loaded = useDataKeys(config);
  if (loaded.file) {
    logger.warn(
      { file: loaded.file, created: loaded.created },
      'DATA_KEYS is not set: data at rest is encrypted with the local keys of this file (never in production)',
    );
  }
}

/**
 * Connect-or-fail start-up of a process that owns its connection (web, worker, release,
 * seed): the data keys loaded, MONGODB_URI set, connected, the server's capabilities known.
 * Indexes are the caller's next step: the release creates them (syncIndexes), the others
 * check them (requireIndexes, src/db/indexes.ts). `processName` names it to the driver and
 * in the recorded query shapes; `onCommand`, when given, sees every command from then on.
 */
export async function openDatabase(
  config: Config,
  logger: Logger,
  processName: string,
  onCommand?: ConnectOptions['onCommand'],
): Promise<Connection> {
  if (!config.MONGODB_URI) {
    throw new Error('MONGODB_URI is not set: run `npm start`, which starts the embedded database, or set it');
  }
  loadDataKeys(config, logger);
  return connectDatabase(config.MONGODB_URI, logger, {
    queryLogDir: config.DB_QUERY_LOG_DIR,
    processName,
    onCommand,
  });
}

/**
 * How far this process's clock is ahead of the database server's (negative: behind), from
 * `hello.localTime` against the middle of the round trip; undefined when the server does
 * not say. Every process compares itself with the same reference, so two processes differ
 * by at most the sum of their offsets.
 */
export async function clockOffsetMs(connection: Connection): Promise<number | undefined> {
  const sent = Date.now();
  const hello = (await connection.db?.admin().command({ hello: 1 })) as { localTime?: unknown } | undefined;
  const received = Date.now();
  if (!(hello?.localTime instanceof Date)) return undefined;
  return Math.round((sent + received) / 2 - hello.localTime.getTime());
}

/**
 * Logs the clock offset at start: a warning beyond half the skew allowance, since a web
 * and a worker off in opposite directions add up (README "Worker": clocks).
 */
export async function checkClock(connection: Connection, logger: Logger, allowanceMs: number): Promise<void> {
  const offsetMs = await clockOffsetMs(connection).catch(() => undefined);
  if (offsetMs === undefined) return;
  if (Math.abs(offsetMs) > allowanceMs / 2) {
    logger.warn(
      { clockOffsetMs: offsetMs, allowanceMs },
      'this clock is off the database server by more than half of CLOCK_SKEW_ALLOWANCE_MS: pushes may arrive before /receive_all returns their message; fix the clock (NTP) or raise the allowance',
    );
  } else {
    logger.info({ clockOffsetMs: offsetMs }, 'clock checked against the database');
  }
}

/** Readiness: true when the database answers a ping within `timeoutMs`. */
export async function pingDatabase(connection: Connection, timeoutMs = 2_000): Promise<boolean> {
  const db = connection.db;
  if (!db) return false;
  return db
    .admin()
    .ping({ timeoutMS: timeoutMs })
    .then(() => true)
    .catch(() => false);
}

export async function disconnectDatabase(): Promise<void> {
  closing = true;
  await mongoose.disconnect();
}
