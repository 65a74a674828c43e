/**
 * The guard of src/db/writeConcern.ts: no process of ours sends an unacknowledged write
 * (`w: 0`, an OP_MSG with moreToCome). Every write asking for one, through Mongoose or the
 * driver, is refused before it reaches the server, and a connection string asking for
 * one stops the connect.
 */
import mongoose, { Types } from 'mongoose';
import { connectDatabase, disconnectDatabase } from '../../src/db/mongo';
import { UnacknowledgedWriteError } from '../../src/db/writeConcern';
import { createLogger } from '../../src/logger';
import { Message } from '../../src/models';
import { useTestDatabase } from '../helpers/db';

const db = useTestDatabase();
const W0 = { writeConcern: { w: 0 } };

/** The commands that ended (answered or failed on the way), by name: none when the guard stopped one first. */
function received(): { names: string[]; stop: () => void } {
  const names: string[] = [];
  const client = mongoose.connection.getClient();
  const seen = (e: { commandName: string }) => names.push(e.commandName);
  client.on('commandSucceeded', seen);
  client.on('commandFailed', seen);
  return { names, stop: () => client.off('commandSucceeded', seen).off('commandFailed', seen) };
}

describe('an unacknowledged write from application code', () => {
  it('when a Mongoose delete, update or insert asks for w: 0 then it is refused with the error and nothing is written', async () => {
    const id = new Types.ObjectId();
    await mongoose.connection.collection('guarded').insertOne({ _id: id, n: 1 });
    await expect(Message.deleteMany({ sender_id: id }).setOptions(W0)).rejects.toThrow(
      UnacknowledgedWriteError,
    );
    const update = mongoose.connection.collection('guarded').updateOne({ _id: id }, { $set: { n: 2 } }, W0);
    await expect(update).rejects.toThrow(/update on t_\w+: unacknowledged writes \(w: 0\) are refused/);
    await expect(mongoose.connection.collection('guarded').insertOne({ n: 3 }, W0)).rejects.toThrow(
      UnacknowledgedWriteError,
    );
    expect(await mongoose.connection.collection('guarded').find().toArray()).toEqual([{ _id: id, n: 1 }]);
  });

  it('when the driver is used directly with a collection whose own options say w: 0 then its writes are refused before the wire', async () => {
    const seen = received();
    const collection = mongoose.connection.getClient().db(mongoose.connection.name).collection('guarded', W0);
    await expect(collection.deleteMany({})).rejects.toThrow(UnacknowledgedWriteError);
    seen.stop();
    expect(seen.names).toEqual([]); // neither a reply nor a failure of the command: it never ran
    expect(await mongoose.connection.collection('guarded').countDocuments()).toBe(1);
  });

  it('when a write asks for w: 1 or majority then it goes through', async () => {
    await mongoose.connection.collection('guarded').insertOne({ n: 4 }, { writeConcern: { w: 1 } });
    await expect(Message.deleteMany({}).setOptions({ writeConcern: { w: 1 } })).resolves.toMatchObject({
      acknowledged: true,
    });
    expect(await mongoose.connection.collection('guarded').countDocuments()).toBe(2);
  });
});

describe('a connection string asking for w=0', () => {
  it('when a process connects with it then the connect fails with the error', async () => {
    const w0 = `${db.uri()}${db.uri().includes('?') ? '&' : '?'}w=0`;
    await disconnectDatabase();
    try {
      await expect(connectDatabase(w0, createLogger('silent'))).rejects.toThrow(
        'the connection string: unacknowledged writes (w: 0) are refused',
      );
    } finally {
      await disconnectDatabase();
      await mongoose.connect(db.uri(), { monitorCommands: true }); // for the file's own clean-up
    }
  });
});
