/**
 * Records the shape of every query a process sends (collection, equality, sort and range
 * fields; never the values) to a JSON-lines file, through the driver's command
 * monitoring. `npm run check:indexes` checks each recorded shape against the indexes.
 * Off unless DB_QUERY_LOG_DIR is set (tests and benchmarks set it).
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { MongoClient, CommandStartedEvent } from 'mongodb';

export interface QueryShape {
  collection: string;
  op: string;
  eq: string[];
  sort: string[];
  range: string[];
  other: string[];
}

const EQ_OPS = new Set(['$eq', '$in']);
const RANGE_OPS = new Set(['$gt', '$gte', '$lt', '$lte']);

type Filter = Record<string, unknown>;

/** Splits a filter into the shapes it needs served ($or branches are separate shapes). */
export function filterShapes(filter: Filter | undefined): Omit<QueryShape, 'collection' | 'op' | 'sort'>[] {
  const base = { eq: [] as string[], range: [] as string[], other: [] as string[] };
  let branches: Filter[] = [];
  for (const [key, value] of Object.entries(filter ?? {})) {
    if (key === '$and' && Array.isArray(value)) {
      for (const sub of value as Filter[]) {
        const [s] = filterShapes(sub);
        if (s) (['eq', 'range', 'other'] as const).forEach((k) => base[k].push(...s[k]));
      }
    } else if (key === '$or' && Array.isArray(value)) {
      branches = value as Filter[];
    } else if (key.startsWith('$')) {
      base.other.push(key);
    } else if (
      value !== null &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      isOperatorObject(value)
    ) {
      const ops = Object.keys(value);
      if (ops.some((op) => EQ_OPS.has(op))) base.eq.push(key);
      else if (ops.some((op) => RANGE_OPS.has(op))) base.range.push(key);
      else base.other.push(key);
    } else {
      base.eq.push(key);
    }
  }
  if (branches.length === 0) return [base];
  return branches.flatMap((b) =>
    filterShapes(b).map((s) => ({
      eq: [...base.eq, ...s.eq],
      range: [...base.range, ...s.range],
      other: [...base.other, ...s.other],
    })),
  );
}

function isOperatorObject(v: object): boolean {
  const keys = Object.keys(v);
  return keys.length > 0 && keys.every((k) => k.startsWith('$'));
}

/** Sort fields in order; Mongoose hands the driver a sort as a Map. */
function sortKeys(sort: unknown): string[] {
  if (sort instanceof Map) return [...(sort as Map<string, unknown>).keys()];
  return Object.keys((sort as Filter | undefined) ?? {});
}

/** The filters and sorts a command carries, by command name. */
export function shapesOfCommand(command: Record<string, unknown>): QueryShape[] {
  const op = Object.keys(command)[0] ?? '';
  const collection = String(command[op]);
  const make = (filter: unknown, sort: unknown): QueryShape[] =>
    filterShapes(filter as Filter).map((s) => ({
      collection,
      op,
      sort: sortKeys(sort),
      ...s,
    }));
  switch (op) {
    case 'find':
      return make(command.filter, command.sort);
    case 'count':
    case 'distinct':
      return make(command.query, undefined);
    case 'findAndModify':
      return make(command.query, command.sort);
    case 'update':
      return ((command.updates as { q: unknown }[]) ?? []).flatMap((u) => make(u.q, undefined));
    case 'delete':
      return ((command.deletes as { q: unknown }[]) ?? []).flatMap((d) => make(d.q, undefined));
    case 'aggregate': {
      const stages = (command.pipeline as Filter[]) ?? [];
      const match = stages[0]?.$match;
      const sort = stages.find((s) => s.$sort)?.$sort;
      return make(match, match ? sort : undefined);
    }
    default:
      return [];
  }
}

export function recordQueryShapes(client: MongoClient, dir: string, processName: string): void {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${processName}-${process.pid}.jsonl`);
  const seen = new Set<string>();
  client.on('commandStarted', (event: CommandStartedEvent) => {
    for (const shape of shapesOfCommand(event.command)) {
      const line = JSON.stringify(shape);
      if (seen.has(line)) continue;
      seen.add(line);
      appendFileSync(file, `${line}\n`);
    }
  });
}
