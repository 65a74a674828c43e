/**
 * Checks a read's documents against its own filter. Under heavy load the embedded
 * database (or the way to it) has answered a read with documents that cannot match it:
 * `npm run load` saw a /receive_all find on `delivery_time` return a message without a
 * `delivery_time` (every stored message had one), which our code then failed on (a 500).
 * A reply that contradicts its filter is the database's fault: WrongReplyError, which
 * src/db/faults.ts counts as a failed answer, so the read is tried once more
 * (./safeReads.ts) and a second wrong reply answers 503.
 *
 * The same run saw a session lookup by `_id` answered with another session's document,
 * which, taken as it came, would have logged the request in as someone else.
 *
 * Only what no real match can lack is checked, so that stored data, however old or odd,
 * never trips it. For a top-level field returned by the projection:
 * - constrained by a non-null value, `$eq`, `$in` without null, or a comparison with a
 *   non-null bound: it must be present;
 * - constrained to a scalar (an ObjectId, a string, a number, a boolean, a date) by value,
 *   `$eq` or `$in`: a scalar value of the same kind must be that one (an array, a
 *   sub-document or a value of another numeric type is left alone: it may match in ways
 *   equality does not show). No query of ours sets a collation, so strings match exactly.
 */
import { WrongReplyError } from './faults';

type Doc = Record<string, unknown>;

const RANGE_OPS = ['$gt', '$gte', '$lt', '$lte'];

/** A comparable key of a scalar; undefined for values not compared (arrays, sub-documents, binaries). */
function valueKey(v: unknown): string | undefined {
  if (v instanceof Date) return `date:${v.getTime()}`;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return `${typeof v}:${v}`;
  if (v !== null && typeof v === 'object' && (v as { _bsontype?: unknown })._bsontype === 'ObjectId') {
    return `oid:${(v as { toHexString(): string }).toHexString()}`;
  }
  return undefined;
}

const isPlainValue = (v: unknown) =>
  v !== null && v !== undefined && !(v instanceof RegExp) && !Array.isArray(v);

/** Whether a match must hold `field` at all, by the condition the filter puts on it. */
function requiresField(condition: unknown): boolean {
  if (!isPlainValue(condition)) return false;
  if (typeof condition !== 'object' || condition instanceof Date || valueKey(condition) !== undefined)
    return true;
  const ops = condition as Doc;
  const keys = Object.keys(ops);
  if (keys.length === 0 || !keys.every((k) => k.startsWith('$'))) return false; // an embedded document
  if ('$eq' in ops && isPlainValue(ops.$eq)) return true;
  if (Array.isArray(ops.$in) && ops.$in.length > 0 && ops.$in.every(isPlainValue)) return true;
  return RANGE_OPS.some((op) => op in ops && isPlainValue(ops[op]));
}

/** The scalar keys a match may have; undefined when the filter does not pin the field down. */
function allowedValues(condition: unknown): Set<string> | undefined {
  const direct = valueKey(condition);
  if (direct !== undefined) return new Set([direct]);
  if (condition === null || typeof condition !== 'object') return undefined;
  const { $eq, $in } = condition as Doc;
  const eq = valueKey($eq);
  if (eq !== undefined) return new Set([eq]);
  if (!Array.isArray($in)) return undefined;
  const keys = $in.map(valueKey).filter((k) => k !== undefined);
  return keys.length === $in.length ? new Set(keys) : undefined;
}

/** Whether the projection returns top-level `field` (no projection: every field). */
function returned(field: string, projection: Doc | undefined): boolean {
  const p = projection ?? {};
  if (field === '_id') return p._id === undefined || Boolean(p._id);
  const others = Object.entries(p).filter(([k]) => k !== '_id');
  // $elemMatch, $slice, $meta: which fields come back is not worth deciding here.
  if (others.some(([, v]) => typeof v !== 'number' && typeof v !== 'boolean')) return false;
  // An inclusion names what comes back; `{ _id: 1 }` alone (Model.exists) is one too.
  const inclusion = others.some(([, v]) => Boolean(v)) || (others.length === 0 && Boolean(p._id));
  return inclusion ? Boolean(p[field]) : p[field] === undefined;
}

/**
 * Throws WrongReplyError when a document of `docs` cannot match `filter`. `hidden`: fields
 * the model never returns unless asked (`select: false`). `where`: the collection, named
 * in the error (never a value).
 */
export function checkReply(
  where: string,
  filter: Doc,
  projection: Doc | undefined,
  docs: unknown,
  hidden: (field: string) => boolean = () => false,
): void {
  const list = (Array.isArray(docs) ? docs : [docs]).filter((d) => d !== null && d !== undefined);
  if (list.length === 0) return;
  const checked = Object.keys(filter).filter(
    (f) => !f.startsWith('$') && !f.includes('.') && !hidden(f) && returned(f, projection),
  );
  const required = checked.filter((f) => requiresField(filter[f]));
  const pinned = checked.flatMap((f) => {
    const allowed = allowedValues(filter[f]);
    return allowed ? [[f, allowed] as const] : [];
  });
  for (const item of list) {
    const doc = ((item as { _doc?: Doc })._doc ?? item) as Doc;
    const missing = required.find((f) => doc[f] === undefined);
    if (missing)
      throw new WrongReplyError(`a document of ${where} lacks ${missing}, which its filter requires`);
    for (const [f, allowed] of pinned) {
      const key = valueKey(doc[f]);
      if (key !== undefined && !allowed.has(key)) {
        throw new WrongReplyError(`a document of ${where} has another ${f} than its filter names`);
      }
    }
  }
}
