/**
 * Encryption at rest as a property of the model (README "Privacy"): a schema with this
 * plugin encrypts its fields of src/crypto/fields.ts on every write Mongoose makes
 * (insertMany, lean or not; create and save; updates and bulkWrite) and decrypts them on
 * every read (find, lean or hydrated, cursors included; findOne and the findOneAnd…
 * family). Services and handlers see plain values and cannot forget to encrypt.
 *
 * Not covered, on purpose: the driver's own collection (`Model.collection`, used to read
 * what is stored, by rotate-keys, the import and the tests) and aggregate (no pipeline
 * reads these fields). A filter or sort on an encrypted field could never match what is
 * stored (each value has its own IV), so it throws instead of silently finding nothing.
 */
import mongoose, { Document, type MongooseQueryMiddleware, type Query, type Schema } from 'mongoose';
import { dataKeys } from '../crypto/current';
import { decryptText } from '../crypto/codec';
import { contextOf, decryptFields, encryptFields, type EncryptedCollection } from '../crypto/fields';

type Doc = Record<string, unknown>;
type AnyQuery = Query<unknown, unknown>;

const FILTERED: MongooseQueryMiddleware[] = [
  'find',
  'findOne',
  'countDocuments',
  'distinct',
  'deleteOne',
  'deleteMany',
  'updateOne',
  'updateMany',
  'replaceOne',
  'findOneAndUpdate',
  'findOneAndDelete',
  'findOneAndReplace',
];
const UPDATES: MongooseQueryMiddleware[] = [
  'updateOne',
  'updateMany',
  'replaceOne',
  'findOneAndUpdate',
  'findOneAndReplace',
];
const ONE_RESULT: MongooseQueryMiddleware[] = [
  'findOne',
  'findOneAndUpdate',
  'findOneAndDelete',
  'findOneAndReplace',
];
/** Update operators that write a value as given; any other one on an encrypted field is refused. */
const SETTERS = new Set(['$set', '$setOnInsert']);

function refuse(spec: EncryptedCollection, field: string, what: string): never {
  throw new Error(`${contextOf(spec, field)} is encrypted at rest: it cannot be ${what}`);
}

/** Throws when a filter names an encrypted field, at the top or under $and/$or/$nor. */
function checkFilter(spec: EncryptedCollection, filter: unknown): void {
  if (!filter || typeof filter !== 'object') return;
  for (const [key, value] of Object.entries(filter as Doc)) {
    if (spec.fields.includes(key)) refuse(spec, key, 'used in a filter');
    if (Array.isArray(value) && ['$and', '$or', '$nor'].includes(key))
      for (const part of value) checkFilter(spec, part);
  }
}

/** Whether `doc` holds a value to encrypt or decrypt: the keys are asked for only then. */
function holdsValues(spec: EncryptedCollection, doc: Doc): boolean {
  return spec.fields.some((f) => typeof doc[f] === 'string' && doc[f] !== '');
}

/** encryptFields with the process's keys, when there is something to encrypt. */
function encrypted(spec: EncryptedCollection, doc: Doc, cache: Map<string, string>): Doc {
  return holdsValues(spec, doc) ? encryptFields(dataKeys(), spec, doc, cache) : doc;
}

/** The update with its encrypted fields encrypted; operators other than a plain set are refused. */
function encryptUpdate(spec: EncryptedCollection, update: unknown): unknown {
  if (!update || typeof update !== 'object') return update;
  if (Array.isArray(update)) {
    // An aggregation-pipeline update computes values in the database: it cannot encrypt.
    const text = JSON.stringify(update);
    for (const field of spec.fields)
      if (text.includes(`"${field}"`)) refuse(spec, field, 'set by a pipeline');
    return update;
  }
  const cache = new Map<string, string>();
  const out: Doc = {};
  for (const [key, value] of Object.entries(update as Doc)) {
    if (!key.startsWith('$')) {
      out[key] = value; // a replacement, or a top-level field Mongoose wraps in $set
      continue;
    }
    if (SETTERS.has(key) && value && typeof value === 'object') {
      out[key] = encrypted(spec, value as Doc, cache);
      continue;
    }
    for (const field of spec.fields)
      if (value && typeof value === 'object' && field in value) refuse(spec, field, `changed with ${key}`);
    out[key] = value;
  }
  return encrypted(spec, out, cache);
}

/**
 * Decrypts one result in place: a plain object from a lean read, or a document (whose
 * decrypted values are not marked modified, so a later save does not rewrite them).
 */
function decryptResult(spec: EncryptedCollection, result: unknown): void {
  if (!result || typeof result !== 'object') return;
  if (!(result instanceof Document)) {
    if (holdsValues(spec, result as Doc)) decryptFields(dataKeys(), spec, result as Doc);
    return;
  }
  for (const field of spec.fields) {
    const value: unknown = result.get(field);
    if (typeof value !== 'string' || value === '') continue;
    const plain = decryptText(dataKeys(), contextOf(spec, field), value);
    if (plain === value) continue;
    result.set(field, plain);
    result.unmarkModified(field);
  }
}

function decryptResults(spec: EncryptedCollection, results: unknown): unknown {
  if (Array.isArray(results)) for (const r of results) decryptResult(spec, r);
  else decryptResult(spec, results);
  return results;
}

/** A bulkWrite operation with its documents and updates encrypted and its filters checked. */
function encryptOperation(spec: EncryptedCollection, op: Doc): Doc {
  const [[name, body]] = Object.entries(op) as [[string, Doc]];
  const cache = new Map<string, string>();
  checkFilter(spec, body.filter);
  if (name === 'insertOne')
    return { insertOne: { ...body, document: encrypted(spec, body.document as Doc, cache) } };
  if (name === 'replaceOne')
    return { replaceOne: { ...body, replacement: encrypted(spec, body.replacement as Doc, cache) } };
  if (name === 'updateOne' || name === 'updateMany')
    return { [name]: { ...body, update: encryptUpdate(spec, body.update) } };
  return op;
}

export function encryptedFields(schema: Schema, spec: EncryptedCollection): void {
  schema.pre(FILTERED, function (this: AnyQuery) {
    checkFilter(spec, this.getFilter());
    const sort = this.getOptions().sort as unknown;
    if (sort && typeof sort === 'object')
      for (const field of spec.fields) if (field in sort) refuse(spec, field, 'sorted on');
  });
  schema.pre(UPDATES, function (this: AnyQuery) {
    const update = this.getUpdate();
    if (update) this.setUpdate(encryptUpdate(spec, update) as never);
  });
  // A transform, not a post hook: cursors apply transforms to each document too.
  schema.pre('find', function (this: AnyQuery) {
    this.transform((res: unknown) => decryptResults(spec, res));
  });
  schema.post(ONE_RESULT, function (res: unknown) {
    decryptResult(spec, res);
  });

  // Mongoose runs insertMany's and bulkWrite's hooks with the caller's arguments and lets a
  // hook hand back others (kareem's overwriteArguments, one per argument); its types omit
  // that return value and the arguments after the first.
  const overwrite = mongoose.overwriteMiddlewareArguments as (...args: unknown[]) => unknown;
  const encryptInserted = function (docs: unknown) {
    const cache = new Map<string, string>();
    const list = (Array.isArray(docs) ? docs : [docs]) as unknown[];
    const copies = list.map((d) => {
      if (d instanceof Document) {
        encryptDocument(spec, d as Document, cache);
        return d;
      }
      return encrypted(spec, d as Doc, cache);
    });
    return overwrite(copies);
  };
  schema.pre('insertMany', encryptInserted as never);
  schema.post('insertMany', function (docs: unknown) {
    decryptResults(spec, docs);
  });
  const encryptBulk = function (ops: Doc[], options: unknown) {
    return overwrite(
      ops.map((op) => encryptOperation(spec, op)),
      options,
    );
  };
  schema.pre('bulkWrite', encryptBulk as never);

  schema.pre('save', function (this: Document) {
    encryptDocument(spec, this, new Map());
  });
  schema.post('save', function (this: Document) {
    decryptResult(spec, this);
  });
}

/** Encrypts a document's new or changed encrypted fields before it is saved. */
function encryptDocument(spec: EncryptedCollection, doc: Document, cache: Map<string, string>): void {
  const changed: Doc = {};
  for (const field of spec.fields)
    if (doc.isNew || doc.isModified(field)) changed[field] = doc.get(field) as unknown;
  const stored = encrypted(spec, changed, cache);
  for (const [field, value] of Object.entries(stored)) if (value !== changed[field]) doc.set(field, value);
}
