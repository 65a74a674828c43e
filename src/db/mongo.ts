/**
 * The one Mongoose connection of a process. Start-up waits for the database; once
 * connected, the driver reconnects by itself and requests fail fast (503) meanwhile.
 */
import mongoose, { type Connection } from 'mongoose';
import type { Logger } from '../logger';
import { recordQueryShapes } from './queryShapes';

export interface ConnectOptions {
  /** Folder where query shapes are recorded (DB_QUERY_LOG_DIR); unset records nothing. */
  queryLogDir?: string;
  /** Names the process in the recorded file and the driver's appName. */
  processName?: string;
}

export async function connectDatabase(
  uri: string,
  logger: Logger,
  options: ConnectOptions = {},
): Promise<Connection> {
  mongoose.set('strictQuery', true);
  mongoose.set('autoIndex', false); // indexes are synced explicitly at start (syncIndexes)
  mongoose.set('bufferCommands', false); // no silent queueing while disconnected
  const connection = mongoose.connection;
  connection.on('disconnected', () => logger.warn('database disconnected'));
  connection.on('reconnected', () => logger.info('database reconnected'));
  await mongoose.connect(uri, {
    serverSelectionTimeoutMS: 5_000,
    connectTimeoutMS: 5_000,
    maxPoolSize: 20,
    appName: options.processName,
    monitorCommands: options.queryLogDir !== undefined,
  });
  if (options.queryLogDir) {
    recordQueryShapes(connection.getClient(), options.queryLogDir, options.processName ?? 'process');
  }
  logger.info({ db: connection.db?.databaseName }, 'database connected');
  return connection;
}

/**
 * Indexes of collections without a Mongoose model. None today: connect-mongo's `sessions`
 * have a model of their own (src/models/session.ts) for their indexes and queries.
 */
export const EXTRA_INDEXES: { collection: string; keys: Record<string, 1 | -1> }[] = [];

/** Creates the indexes every model declares (MongoDB needs them; harmless elsewhere). */
export async function ensureIndexes(connection: Connection): Promise<void> {
  for (const model of Object.values(connection.models)) {
    await model.createIndexes();
  }
  for (const { collection, keys } of EXTRA_INDEXES) {
    await connection.collection(collection).createIndex(keys);
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
  await mongoose.disconnect();
}
