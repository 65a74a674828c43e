/**
 * A TCP proxy between the driver and the embedded database that can answer chosen
 * commands itself, with a crafted reply, instead of forwarding them: how the tests make
 * the database fail the way it does under load (a reply without its `cursor`, an
 * InternalError "database is locked") at a precise command.
 *
 * Why a proxy: the driver's own test hook, the `failCommand` fail point, is a server
 * command (`configureFailPoint`) that the embedded database does not have (it answers
 * CommandNotFound, see test/integration/database.replies.test.ts), and mocking the driver
 * or Mongoose would not run their real reply parsing. Here the real driver reads real
 * bytes.
 *
 * It reads the driver's OP_MSG requests (wire protocol: a 16-byte header, flag bits, then
 * a body section holding the command document) and forwards everything else byte for
 * byte; the database's answers are never parsed. The driver sends one request at a time
 * per connection (no compression unless asked for), so an answer written here is the one
 * it waits for.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { BSON, type Document } from 'mongodb';
import { ConnectionString } from 'mongodb-connection-string-url';

const OP_MSG = 2013;
const HEADER_BYTES = 16;

export interface Injection {
  /** The command's name, the first key of its document: 'find', 'aggregate', 'update'… */
  command: string;
  /** The collection it names (the command's value); any when unset. */
  collection?: string;
  /** Sent back instead of forwarding the command, e.g. `{ ok: 1 }` or `{ ok: 0, code: 1, … }`. */
  reply: Document;
  /** How many matching commands are answered so (default 1); later ones go through. */
  times?: number;
}

export interface WireProxy {
  /** `uri` with its host and port replaced by the proxy's. */
  uri(uri: string): string;
  inject(injection: Injection): void;
  /** Commands of this name (and collection) the driver sent since the last reset, answered here or not. */
  seen(command: string, collection?: string): number;
  /** Forgets injections not used yet and the counts. */
  reset(): void;
  close(): Promise<void>;
}

interface Pending extends Injection {
  left: number;
}

function commandOf(message: Buffer): Document | undefined {
  if (message.readInt32LE(12) !== OP_MSG) return undefined;
  const sectionKind = message.readUInt8(HEADER_BYTES + 4);
  if (sectionKind !== 0) return undefined;
  const start = HEADER_BYTES + 5;
  return BSON.deserialize(message.subarray(start, start + message.readInt32LE(start)));
}

function opMsgReply(requestId: number, reply: Document): Buffer {
  const body = BSON.serialize(reply);
  const header = Buffer.alloc(HEADER_BYTES + 5);
  header.writeInt32LE(header.length + body.length, 0);
  header.writeInt32LE(Math.floor(Math.random() * 2 ** 31), 4); // requestID
  header.writeInt32LE(requestId, 8); // responseTo
  header.writeInt32LE(OP_MSG, 12);
  header.writeUInt32LE(0, HEADER_BYTES); // flag bits
  header.writeUInt8(0, HEADER_BYTES + 4); // section kind 0: the body
  return Buffer.concat([header, body]);
}

/** Starts a proxy to the database of `upstreamUri` (its first host) on a free loopback port. */
export async function startWireProxy(upstreamUri: string): Promise<WireProxy> {
  const [host = '127.0.0.1:27017'] = new ConnectionString(upstreamUri).hosts;
  const upstreamHost = host.replace(/:\d+$/, '');
  const upstreamPort = Number(/:(\d+)$/.exec(host)?.[1] ?? 27017);
  const injections: Pending[] = [];
  const counts = new Map<string, number>();
  const sockets = new Set<Socket>();

  const key = (command: string, collection?: string) => `${command}\u0000${collection ?? ''}`;
  const count = (command: string, collection: string | undefined) => {
    for (const k of [key(command), key(command, collection)]) counts.set(k, (counts.get(k) ?? 0) + 1);
  };
  const take = (command: string, collection: string | undefined): Pending | undefined => {
    const found = injections.find(
      (i) =>
        i.left > 0 && i.command === command && (i.collection === undefined || i.collection === collection),
    );
    if (found) found.left -= 1;
    return found;
  };

  /** Passes each whole request on, or answers it when an injection matches. */
  const onRequest = (client: Socket, server: Socket, message: Buffer) => {
    const command = commandOf(message);
    const name = command ? Object.keys(command)[0] : undefined;
    if (command && name) {
      const value: unknown = command[name];
      const collection = typeof value === 'string' ? value : undefined;
      count(name, collection);
      const injected = take(name, collection);
      if (injected) {
        client.write(opMsgReply(message.readInt32LE(4), injected.reply));
        return;
      }
    }
    server.write(message);
  };

  const proxy: Server = createServer((client) => {
    const server = connect(upstreamPort, upstreamHost);
    sockets.add(client).add(server);
    let buffered = Buffer.alloc(0);
    client.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 4 && buffered.length >= buffered.readInt32LE(0)) {
        const length = buffered.readInt32LE(0);
        onRequest(client, server, buffered.subarray(0, length));
        buffered = buffered.subarray(length);
      }
    });
    server.pipe(client);
    const end = () => {
      client.destroy();
      server.destroy();
      sockets.delete(client);
      sockets.delete(server);
    };
    client.on('close', end).on('error', end);
    server.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const address = proxy.address();
  if (typeof address !== 'object' || !address) throw new Error('the proxy has no port');

  return {
    uri(uri) {
      const cs = new ConnectionString(uri);
      cs.hosts = [`127.0.0.1:${address.port}`];
      return cs.toString();
    },
    inject(injection) {
      injections.push({ ...injection, left: injection.times ?? 1 });
    },
    seen(command, collection) {
      return counts.get(key(command, collection)) ?? 0;
    },
    reset() {
      injections.length = 0;
      counts.clear();
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    },
  };
}
