/**
 * Builders for the messages tests: app-shaped form bodies (iOS raw, Android encoded), a
 * settable clock, a scripted random source, stored messages, and a test database whose
 * driver reports every command so that round trips per request can be counted.
 */
import mongoose, { Types } from 'mongoose';
import type request from 'supertest';
import type { CommandStartedEvent } from 'mongodb';
import { Message } from '../../src/models';
import { seedCatalog } from '../../src/services/catalog/seed';
import { recordQueryShapes } from '../../src/db/queryShapes';
import { indexTestDatabase, testDatabaseUri } from './db';

/** iOS concatenates fields without any encoding and sends no charset. */
export function iosBody(fields: Record<string, string>): string {
  return Object.entries(fields)
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

export function sendIos(test: request.Test, fields: Record<string, string>): request.Test {
  return test.set('Content-Type', 'application/x-www-form-urlencoded').send(iosBody(fields));
}

/** Android encodes properly and says so. */
export function sendAndroid(test: request.Test, fields: Record<string, string>): request.Test {
  return test
    .set('Content-Type', 'application/x-www-form-urlencoded; charset=UTF-8')
    .send(new URLSearchParams(fields).toString());
}

/** iOS pretty-prints JSON (NSJSONWritingPrettyPrinted): newlines, " : " and \/ escapes. */
export function iosJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/": /g, '" : ').replace(/\//g, '\\/');
}

export interface TestClock {
  now: () => Date;
  set(date: Date | number): void;
  advance(seconds: number): void;
}

export function testClock(start: Date | number = Date.UTC(2025, 0, 15, 12, 0, 0)): TestClock {
  let t = new Date(start).getTime();
  return {
    now: () => new Date(t),
    set: (d) => {
      t = new Date(d).getTime();
    },
    advance: (s) => {
      t += s * 1000;
    },
  };
}

/** Returns the given values in turn, then `fallback` forever. */
export function scriptedRandom(values: number[], fallback = 0.5): () => number {
  const queue = [...values];
  return () => queue.shift() ?? fallback;
}

export const seedTestCatalog = () => seedCatalog({ onlyEmpty: false });

export interface StoredMessageOptions {
  sender: Types.ObjectId;
  receiver: Types.ObjectId | null;
  created?: Date;
  delivery?: Date;
  blocked?: boolean;
  send_now?: boolean;
  receiver_phone?: string;
  message?: string;
}

function messageDoc(o: StoredMessageOptions) {
  const created = o.created ?? new Date();
  return {
    sender_id: o.sender,
    receiver_id: o.receiver,
    receiver_phone: o.receiver_phone ?? '',
    message: o.message ?? 'stored',
    created_at: created,
    delivery_time: o.delivery ?? created,
    receive_label: 'Sent just now',
    receive_color: 'ffdc1a',
    send_now: o.send_now ?? false,
    blocked: o.blocked ?? false,
  };
}

export async function storeMessage(o: StoredMessageOptions): Promise<Types.ObjectId> {
  return (await Message.create(messageDoc(o)))._id;
}

/** Many stored messages in one insert (data for the growth tests). */
export async function storeMessages(list: StoredMessageOptions[]): Promise<void> {
  await Message.insertMany(list.map(messageDoc));
}

export interface Recorded<T> {
  result: T;
  /** "<command> <collection>" per round trip, in order. */
  commands: string[];
  /** The command documents themselves (filters, sorts), for index checks. */
  documents: Record<string, unknown>[];
}

/**
 * Like useTestDatabase, with command monitoring always on, and a recorder of the commands
 * sent while a function runs. Query shapes also go to DB_QUERY_LOG_DIR when it is set.
 */
export function useMonitoredDatabase(): { record<T>(fn: () => Promise<T>): Promise<Recorded<T>> } {
  let listening: Recorded<unknown> | undefined;
  beforeAll(async () => {
    mongoose.set('autoIndex', false);
    mongoose.set('bufferCommands', false);
    await mongoose.connect(testDatabaseUri(), { serverSelectionTimeoutMS: 5_000, monitorCommands: true });
    const queryLogDir = process.env.DB_QUERY_LOG_DIR;
    if (queryLogDir) recordQueryShapes(mongoose.connection.getClient(), queryLogDir, 'test');
    await indexTestDatabase();
    mongoose.connection.getClient().on('commandStarted', (e: CommandStartedEvent) => {
      const target: unknown = e.command[e.commandName];
      listening?.commands.push(`${e.commandName} ${typeof target === 'string' ? target : ''}`.trim());
      listening?.documents.push(e.command);
    });
  });
  afterAll(async () => {
    await mongoose.connection.dropDatabase().catch(() => undefined);
    await mongoose.disconnect();
  });
  return {
    async record<T>(fn: () => Promise<T>): Promise<Recorded<T>> {
      const recorded: Recorded<unknown> = { result: undefined, commands: [], documents: [] };
      listening = recorded;
      try {
        return { ...recorded, result: await fn() };
      } finally {
        listening = undefined;
      }
    },
  };
}

/** Each collection's declared indexes (field lists), from the registered models. */
export function declaredIndexes(): Map<string, string[][]> {
  const map = new Map<string, string[][]>();
  for (const model of Object.values(mongoose.connection.models)) {
    const keys = model.schema.indexes().map(([fields]) => Object.keys(fields));
    map.set(model.collection.collectionName, [...(map.get(model.collection.collectionName) ?? []), ...keys]);
  }
  return map;
}

export const oid = (hex?: string) => new Types.ObjectId(hex);
