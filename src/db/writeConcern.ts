/**
 * No unacknowledged write, ever (README "Databases"). A `w: 0` write goes on the wire as an
 * OP_MSG with the moreToCome flag, whose reply the driver never reads; the embedded
 * database (FerretDB 1.24) answers it all the same, and from then on that pooled
 * connection hands each command the reply of the one before (a session lookup answered
 * with another user's session). The embedded database now drops such replies
 * (scripts/devdb/front.go); this guard keeps our processes from sending one to any server.
 *
 * Two checks, both at connect:
 * - the client's own write concern (MONGODB_URI `w=0`, or a client option) stops the
 *   connect with UnacknowledgedWriteError;
 * - every command the client starts is seen through driver command monitoring before it
 *   is written (the driver emits `commandStarted` synchronously in front of the write, and
 *   an error a listener throws fails that command): one carrying `writeConcern: {w: 0}`,
 *   from a Mongoose option, a collection's options or a call's, is refused with
 *   UnacknowledgedWriteError and never reaches the server.
 *   `test/integration/database.writeConcern.test.ts` holds both, through Mongoose and the
 *   driver, so that a driver that stopped failing the command would fail the test.
 */
import type { CommandStartedEvent, MongoClient } from 'mongodb';

export class UnacknowledgedWriteError extends Error {
  constructor(where: string) {
    super(
      `${where}: unacknowledged writes (w: 0) are refused; use w: 1 or more (README "Databases": the moreToCome rule)`,
    );
    this.name = 'UnacknowledgedWriteError';
  }
}

const unacknowledged = (concern: unknown) =>
  typeof concern === 'object' && concern !== null && (concern as { w?: unknown }).w === 0;

/** Throws when `client` would send every write unacknowledged, else refuses each one that would be. */
export function refuseUnacknowledgedWrites(client: MongoClient): void {
  if (unacknowledged(client.options.writeConcern))
    throw new UnacknowledgedWriteError('the connection string');
  if (!client.options.monitorCommands) {
    throw new Error('refuseUnacknowledgedWrites needs a client made with monitorCommands: true');
  }
  client.on('commandStarted', (event: CommandStartedEvent) => {
    if (unacknowledged((event.command as { writeConcern?: unknown }).writeConcern)) {
      throw new UnacknowledgedWriteError(`${event.commandName} on ${event.databaseName}`);
    }
  });
}
