/**
 * The PostgreSQL plans of the recorded query shapes, on the embedded database's PostgreSQL
 * backend (check:indexes). Each shape becomes a find with an equality on each of its `eq`
 * fields, the values taken from a stored document that has them all, not null (FerretDB hands only
 * equalities to SQL: ranges, sorts and `$in` are applied in Go after the rows come back),
 * and FerretDB's `explain` gives PostgreSQL's plan. A plan reading the table through an
 * index (Index Scan, Bitmap Index Scan) is `indexed`; a Seq Scan is not. The check's
 * cluster runs with `enable_seqscan=off`, so that on its small tables the planner shows
 * whether an index can serve the query at all, as it would on large ones.
 */
import type { Db, Document } from 'mongodb';
import type { QueryShape } from '../../src/db/queryShapes';

export interface ShapePlan {
  shape: QueryShape;
  /** Plan node types, outermost first, with the index names; undefined: no document to build a filter from. */
  nodes?: string[];
  indexed: boolean;
}

interface PlanNode {
  'Node Type'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function nodesOf(plan: PlanNode | undefined): string[] {
  if (!plan) return [];
  const here = plan['Index Name']
    ? `${plan['Node Type']} (${plan['Index Name']})`
    : String(plan['Node Type']);
  return [here, ...(plan.Plans ?? []).flatMap(nodesOf)];
}

/** True when `db` is FerretDB on PostgreSQL: its explain carries PostgreSQL's JSON plan. */
export async function onPostgres(db: Db): Promise<boolean> {
  const info = await db.admin().command({ buildInfo: 1 });
  if (info.ferretdbVersion === undefined) return false;
  const explained = await db
    .collection('users')
    .find({ _id: 'x' as never })
    .explain();
  return Boolean((explained as { queryPlanner?: { Plan?: unknown } }).queryPlanner?.Plan);
}

export async function planShapes(db: Db, shapes: QueryShape[]): Promise<ShapePlan[]> {
  const plans: ShapePlan[] = [];
  for (const shape of shapes.filter((s) => s.eq.length > 0)) {
    const exists = Object.fromEntries(shape.eq.map((f) => [f, { $exists: true, $ne: null }]));
    const sample: Document | null = await db.collection(shape.collection).findOne(exists);
    if (!sample) {
      plans.push({ shape, indexed: false });
      continue;
    }
    const filter = Object.fromEntries(shape.eq.map((f) => [f, sample[f] as unknown]));
    const explained = (await db.collection(shape.collection).find(filter).explain()) as {
      queryPlanner?: { Plan?: PlanNode };
    };
    const nodes = nodesOf(explained.queryPlanner?.Plan);
    plans.push({ shape, nodes, indexed: nodes.some((n) => /Index (Only )?Scan/.test(n)) });
  }
  return plans;
}
