import {
  BSON,
  MongoBulkWriteError,
  MongoClientClosedError,
  MongoCursorExhaustedError,
  MongoDecompressionError,
  MongoInvalidArgumentError,
  MongoNetworkError,
  MongoNetworkTimeoutError,
  MongoNotConnectedError,
  MongoOperationTimeoutError,
  MongoParseError,
  MongoServerClosedError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
  MongoUnexpectedServerResponseError,
  MongoWriteConcernError,
  type TopologyDescription,
} from 'mongodb';
import mongoose from 'mongoose';
import { databaseFault } from '../../src/db/faults';

const noServer = {} as TopologyDescription;
const serverError = (reply: Record<string, unknown>) => new MongoServerError({ ok: 0, ...reply });
/** How the driver reports a bulk write cut by `cause` (bulk/common.ts: the thrown error wrapped). */
const bulkCutBy = (cause: Error) => new MongoBulkWriteError(cause, {} as never);

describe("databaseFault: which errors are the database's and which are ours", () => {
  it.each([
    ['a network error', new MongoNetworkError('connection 3 to 127.0.0.1:27017 closed')],
    ['a network timeout', new MongoNetworkTimeoutError('connection timed out')],
    [
      'no server within the selection timeout',
      new MongoServerSelectionError('connect ECONNREFUSED', noServer),
    ],
    ['Mongoose reporting the same at connect', new mongoose.Error.MongooseServerSelectionError('down')],
    ['a client not connected', new MongoNotConnectedError('not connected')],
    ['a topology closed (shutdown)', new MongoTopologyClosedError()],
    ['a server closed', new MongoServerClosedError()],
    ['a client closed', new MongoClientClosedError()],
    ['a spent time budget', new MongoOperationTimeoutError('timed out')],
  ])('when %s then the database is unreachable', (_what, err) => {
    expect(databaseFault(err)).toBe('unreachable');
  });

  it.each(['MongoWaitQueueTimeoutError', 'MongoPoolClosedError'])(
    'when the pool reports %s (a class the driver does not export) then unreachable, by its name',
    (name) => {
      const err = new Error('pool');
      Object.defineProperty(err, 'name', { value: name });
      expect(databaseFault(err)).toBe('unreachable');
    },
  );

  it('when the reply has no cursor (the 500 of issue #19 item 10) then the database answered a fault', () => {
    const cause = new BSON.BSONError('BSON element "cursor" is missing');
    expect(databaseFault(new MongoUnexpectedServerResponseError(cause.message, { cause }))).toBe('answered');
    expect(databaseFault(new MongoDecompressionError('bad zlib'))).toBe('answered');
  });

  it.each([
    [
      'InternalError "database is locked"',
      { code: 1, codeName: 'InternalError', errmsg: 'database is locked' },
    ],
    ['InternalError "context canceled" (a write cut by shutdown)', { code: 1, codeName: 'InternalError' }],
    ['an interruption', { code: 11601, codeName: 'Interrupted' }],
    ['a time limit', { code: 50, codeName: 'MaxTimeMSExpired' }],
    ['a write conflict', { code: 112, codeName: 'WriteConflict' }],
    ['a shutdown in progress', { code: 91, codeName: 'ShutdownInProgress' }],
    ['a code nobody listed', { code: 424242, codeName: 'SomethingNew' }],
    ['no code at all', { errmsg: 'backend error' }],
  ])('when the server answers %s then the database answered a fault', (_what, reply) => {
    expect(databaseFault(serverError(reply))).toBe('answered');
  });

  it('when the server labels an error retryable then it is a fault whatever its code', () => {
    const labelled = serverError({ code: 2, codeName: 'BadValue', errorLabels: ['RetryableWriteError'] });
    expect(databaseFault(labelled)).toBe('answered');
    const writeConcern = new MongoWriteConcernError({
      writeConcernError: { code: 64, errmsg: 'timeout' },
    } as never);
    expect(databaseFault(writeConcern)).toBe('answered');
  });

  it.each([
    ['BadValue (an unknown operator)', { code: 2, codeName: 'BadValue' }],
    ['FailedToParse', { code: 9, codeName: 'FailedToParse' }],
    ['TypeMismatch', { code: 14, codeName: 'TypeMismatch' }],
    ['a duplicate key nobody expected', { code: 11000, codeName: 'DuplicateKey' }],
    ['document validation', { code: 121, codeName: 'DocumentValidationFailure' }],
    ['NotImplemented (a feature the embedded database lacks)', { code: 238, codeName: 'NotImplemented' }],
    ['a "Location" assertion on the request', { code: 15998, codeName: 'Location15998' }],
  ])('when the server refuses the command for its content (%s) then it is our bug', (_what, reply) => {
    expect(databaseFault(serverError(reply))).toBeUndefined();
  });

  it('when a bulk write is cut by the network or a busy server then a fault; by duplicates only, ours', () => {
    expect(databaseFault(bulkCutBy(new MongoNetworkError('closed')))).toBe('unreachable');
    expect(databaseFault(bulkCutBy(serverError({ code: 1, codeName: 'InternalError' })))).toBe('answered');
    const duplicates = new MongoBulkWriteError(
      { message: 'E11000', code: 11000, writeErrors: [{ code: 11000 }, { code: 11000 }] as never },
      {} as never,
    );
    expect(databaseFault(duplicates)).toBeUndefined();
    const mixed = new MongoBulkWriteError(
      { message: 'E11000', code: 11000, writeErrors: [{ code: 11000 }, { code: 1 }] as never },
      {} as never,
    );
    expect(databaseFault(mixed)).toBe('answered');
  });

  it('when a fault is the cause of another error then that error is the fault too', () => {
    expect(databaseFault(new Error('wrapped', { cause: new MongoNetworkError('closed') }))).toBe(
      'unreachable',
    );
    expect(databaseFault(new Error('wrapped', { cause: new TypeError('x') }))).toBeUndefined();
  });

  it.each([
    ['a TypeError', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['a plain Error', new Error('boom')],
    ['a Mongoose cast error of our code', new mongoose.Error.CastError('ObjectId', 'nope', '_id')],
    ['a Mongoose validation error', new mongoose.Error.ValidationError()],
    ['the driver refusing an argument', new MongoInvalidArgumentError('bad option')],
    ['an exhausted cursor read again', new MongoCursorExhaustedError()],
    ['a malformed connection string', new MongoParseError('bad uri')],
  ])('when %s is thrown then it is our bug (a 500)', (_what, err) => {
    expect(databaseFault(err)).toBeUndefined();
  });

  it('when a non-error value is thrown then it is not the database', () => {
    expect(databaseFault('down')).toBeUndefined();
    expect(databaseFault(null)).toBeUndefined();
    expect(databaseFault({ name: 'MongoNetworkError' })).toBeUndefined();
  });
});
