/**
 * Which errors are the database's fault and which are ours: the one place that decides.
 * The error middleware answers a database fault 503 with Retry-After (the apps retry;
 * on a 500 both drop their base URL, ../shared/CONTRACT.md §1), and the session read
 * failing with an answered fault is tried once more (./retryRead.ts). Anything else, a TypeError,
 * a Mongoose validation or cast error, a duplicate key nobody expected, a command the
 * server refuses for its content, is a bug of ours and stays a 500.
 *
 * Decided by the driver's classes (`instanceof`, one copy of `mongodb` in the tree), its
 * error labels and the server's codes; by name only for the pool errors whose classes the
 * driver does not export.
 */
import {
  MongoDecompressionError,
  MongoError,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoOperationTimeoutError,
  MongoServerClosedError,
  MongoServerError,
  MongoStalePrimaryError,
  MongoSystemError,
  MongoTopologyClosedError,
  MongoClientClosedError,
  MongoUnexpectedServerResponseError,
} from 'mongodb';
import mongoose from 'mongoose';

/**
 * - `unreachable`: no answer: the network, server selection (it already waited
 *   serverSelectionTimeoutMS for a server), a closed client or pool, a spent time budget.
 * - `answered`: the server answered, but with a failure that is not about the command's
 *   content (an internal error, a lock, an interruption), with a reply the driver cannot
 *   read (a `{ok: 1}` without its `cursor`, as the embedded database's shifted replies
 *   were before scripts/devdb/front.go).
 */
export type DatabaseFault = 'unreachable' | 'answered';

const UNREACHABLE_CLASSES = [
  MongoNetworkError, // also its timeout and the pool cleared after one
  MongoSystemError, // MongoServerSelectionError: no server within the selection timeout
  MongoNotConnectedError,
  MongoTopologyClosedError,
  MongoServerClosedError,
  MongoClientClosedError,
  MongoOperationTimeoutError,
  MongoStalePrimaryError,
  mongoose.Error.MongooseServerSelectionError,
];

/** The driver's pool errors whose classes it does not export (src/cmap/errors.ts there). */
const UNREACHABLE_NAMES = new Set(['MongoWaitQueueTimeoutError', 'MongoPoolClosedError']);

/** Replies the driver could not read. */
const UNREADABLE_CLASSES = [MongoUnexpectedServerResponseError, MongoDecompressionError];

/**
 * Server codes that refuse a command for its content: the same command fails the same way
 * every time, so it is a bug of ours, not the database's state. MongoDB's "Location<n>"
 * codes (assertions on the request, which the embedded database also answers) count too.
 */
export const OUR_BUG_CODES = new Set([
  2, // BadValue
  4, // NoSuchKey
  9, // FailedToParse
  14, // TypeMismatch
  15, // Overflow
  20, // IllegalOperation
  22, // InvalidBSON
  26, // NamespaceNotFound
  27, // IndexNotFound
  28, // PathNotViable
  40, // ConflictingUpdateOperators
  48, // NamespaceExists
  52, // DollarPrefixedFieldName
  53, // InvalidIdField
  55, // InvalidDBRef
  56, // EmptyFieldName
  57, // DottedFieldName
  59, // CommandNotFound
  66, // ImmutableField
  67, // CannotCreateIndex
  68, // IndexAlreadyExists
  72, // InvalidOptions
  73, // InvalidNamespace
  85, // IndexOptionsConflict
  86, // IndexKeySpecsConflict
  115, // CommandNotSupported
  121, // DocumentValidationFailure
  166, // CommandNotSupportedOnView
  168, // InvalidPipelineOperator
  197, // InvalidIndexSpecificationOption
  238, // NotImplemented
  10334, // BSONObjectTooLarge
  11000, // DuplicateKey: callers that expect one handle it (./writeErrors.ts)
  11001, // DuplicateKey, legacy
  17280, // KeyTooLong
]);

/** Labels the driver or the server put on errors that are about the database's state. */
const FAULT_LABELS = [
  'RetryableWriteError',
  'TransientTransactionError',
  'ResetPool',
  'SystemOverloadedError',
];

function isOurBugCode(code: unknown, codeName: unknown): boolean {
  if (typeof codeName === 'string' && /^Location\d+$/.test(codeName)) return true;
  return OUR_BUG_CODES.has(Number(code));
}

/**
 * A server's refusal: ours when its code (or every write error of a bulk write) says the
 * command's content was refused, unless a label says the database's state was the cause.
 */
function serverFault(err: MongoServerError): DatabaseFault | undefined {
  if (FAULT_LABELS.some((label) => err.hasErrorLabel(label))) return 'answered';
  const writeErrors = (err as { writeErrors?: unknown }).writeErrors;
  if (Array.isArray(writeErrors) && writeErrors.length > 0) {
    const ours = writeErrors.every((w: { code?: unknown; err?: { code?: unknown } }) =>
      isOurBugCode(w.code ?? w.err?.code, undefined),
    );
    return ours ? undefined : 'answered';
  }
  return isOurBugCode(err.code, err.codeName) ? undefined : 'answered';
}

/**
 * What `err` says about the database; undefined when it is not the database's fault.
 * Also looks inside: a bulk write cut by the network or the server's shutdown comes as a
 * MongoBulkWriteError whose `errorResponse` is the error that cut it, and an error may
 * carry its origin as `cause`.
 */
export function databaseFault(err: unknown, depth = 0): DatabaseFault | undefined {
  if (!(err instanceof Error) || depth > 3) return undefined;
  if (UNREACHABLE_CLASSES.some((c) => err instanceof c) || UNREACHABLE_NAMES.has(err.name)) {
    return 'unreachable';
  }
  if (UNREADABLE_CLASSES.some((c) => err instanceof c)) return 'answered';
  if (err instanceof MongoServerError) {
    const inner = err.errorResponse as unknown;
    return inner instanceof Error ? databaseFault(inner, depth + 1) : serverFault(err);
  }
  if (err instanceof MongoError) return undefined; // the driver refusing our call: a bug
  return databaseFault(err.cause, depth + 1);
}
