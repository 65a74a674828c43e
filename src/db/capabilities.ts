/**
 * What the database server at hand can do, told apart once per connection from its
 * `buildInfo`. The embedded database (FerretDB 1.24) answers buildInfo like a MongoDB 7.0
 * ("version": "7.0.42") and adds keys of its own, `ferretdbVersion` and `ferretdbFeatures`;
 * it refuses `expireAfterSeconds` (NotImplemented, code 238), so expiring records are swept
 * there. Any other server is taken for a MongoDB, whose TTL indexes expire them instead.
 */
import type { Connection } from 'mongoose';

export interface DatabaseCapabilities {
  server: 'mongodb' | 'ferretdb' | 'unknown';
  version: string;
  /** TTL indexes (expireAfterSeconds) are honoured: expiring records need no sweep. */
  ttl: boolean;
}

/**
 * What a connection that was never asked is taken to be: sweeps everywhere, which is
 * correct on every server (on MongoDB merely redundant), and no TTL index created.
 */
export const SWEEP_ONLY: DatabaseCapabilities = Object.freeze({ server: 'unknown', version: '', ttl: false });

/** The capabilities told by a `buildInfo` answer (pure; unit-tested with both servers' answers). */
export function capabilitiesFromBuildInfo(info: Record<string, unknown>): DatabaseCapabilities {
  const version = typeof info.version === 'string' ? info.version : '';
  if ('ferretdbVersion' in info || 'ferretdbFeatures' in info) {
    return { server: 'ferretdb', version, ttl: false };
  }
  return { server: 'mongodb', version, ttl: true };
}

const detected = new WeakMap<object, Promise<DatabaseCapabilities>>();
const known = new WeakMap<object, DatabaseCapabilities>();

/** Asks the server once per client (one buildInfo); later calls reuse the answer. */
export function detectCapabilities(connection: Connection): Promise<DatabaseCapabilities> {
  const client = connection.getClient();
  let pending = detected.get(client);
  if (!pending) {
    pending = client
      .db('admin')
      .command({ buildInfo: 1 })
      .then((info) => {
        const capabilities = capabilitiesFromBuildInfo(info);
        known.set(client, capabilities);
        return capabilities;
      });
    // A failed question is asked again next time rather than remembered.
    void pending.catch(() => detected.delete(client));
    detected.set(client, pending);
  }
  return pending;
}

/**
 * The capabilities detected on this connection (at connect: connectDatabase, or by the
 * index step), or SWEEP_ONLY when it was never asked. For code that cannot wait (the
 * session store is built with the app).
 */
export function capabilitiesOf(connection: Connection): DatabaseCapabilities {
  return known.get(connection.getClient()) ?? SWEEP_ONLY;
}
