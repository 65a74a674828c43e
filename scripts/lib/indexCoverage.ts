/**
 * Decides whether a recorded query shape is served by one of the declared indexes, the
 * way MongoDB plans it: the equality fields (in any order), then the sort fields (in
 * order), then a range field, must form a prefix of one index. `_id` equality is always
 * served. Fields with other operators ($ne, $exists…) are filtered after the index scan.
 */
import type { QueryShape } from '../../src/db/queryShapes';

export type IndexKeys = string[];

export interface Coverage {
  shape: QueryShape;
  index?: IndexKeys;
  note?: string;
}

export function servingIndex(shape: QueryShape, indexes: IndexKeys[]): IndexKeys | undefined {
  if (shape.eq.includes('_id')) return ['_id'];
  const eq = [...new Set(shape.eq)];
  const needed = eq.length + shape.sort.length + (shape.range.length > 0 ? 1 : 0);
  if (needed === 0) return undefined;
  return [...indexes, ['_id']].find((keys) => {
    if (keys.length < eq.length + shape.sort.length) return false;
    const head = keys.slice(0, eq.length);
    if (!eq.every((f) => head.includes(f))) return false;
    const sortPart = keys.slice(eq.length, eq.length + shape.sort.length);
    if (!shape.sort.every((f, i) => sortPart[i] === f)) return false;
    if (shape.range.length === 0) return true;
    const next = keys[eq.length + shape.sort.length];
    // A range on the sort field itself is served by the same key.
    return (
      (next !== undefined && shape.range.includes(next)) || shape.range.some((r) => shape.sort.includes(r))
    );
  });
}

export function checkCoverage(
  shapes: QueryShape[],
  indexesByCollection: Map<string, IndexKeys[]>,
  smallCollections: Set<string>,
): { covered: Coverage[]; uncovered: Coverage[] } {
  const covered: Coverage[] = [];
  const uncovered: Coverage[] = [];
  for (const shape of shapes) {
    const index = servingIndex(shape, indexesByCollection.get(shape.collection) ?? []);
    if (index) covered.push({ shape, index });
    else if (smallCollections.has(shape.collection)) {
      covered.push({ shape, note: 'small catalog collection, read whole' });
    } else uncovered.push({ shape });
  }
  return { covered, uncovered };
}
