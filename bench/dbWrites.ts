/**
 * `npx tsx bench/dbWrites.ts [--backend postgresql]`: how single-document operations by
 * `_id` scale with the collection on the bench's database (not part of `npm run bench`).
 * On the embedded FerretDB 1.24 (SQLite) they all grow with the collection except the
 * insert: they scan it (a findOne stops at the first match, so documents stored early are
 * found fast; these are the last ones stored). The worker's per-push message update and
 * its batched job deletes are such operations.
 */
import { parseArgs } from 'node:util';
import mongoose, { Types } from 'mongoose';
import { startBenchDb, type Backend } from './db';
import { benchDb, connectBench } from './inProcess';
import { messageDoc } from './seed';

const { values: args } = parseArgs({ options: { backend: { type: 'string', default: 'postgresql' } } });
const SIZES = [1_000, 10_000, 30_000];
const REPS = 10;

async function perOp(fn: (i: number) => Promise<unknown>): Promise<string> {
  const t = performance.now();
  for (let i = 0; i < REPS; i++) await fn(i);
  return ((performance.now() - t) / REPS).toFixed(1);
}

async function main(): Promise<void> {
  const db = await startBenchDb(args.backend as Backend, () => {});
  process.stdout.write(
    `${db.version}\n| messages | findOne _id | updateOne _id | deleteOne _id | find _id $in (20) | insertOne |\n`,
  );
  process.stdout.write('| --- | --- | --- | --- | --- | --- |\n');
  try {
    await connectBench(db.uri('dbwrites'));
    const messages = benchDb().collection('messages');
    const ids: Types.ObjectId[] = [];
    for (const size of SIZES) {
      const docs = Array.from({ length: size - ids.length }, () =>
        messageDoc({
          sender: new Types.ObjectId(),
          receiver: new Types.ObjectId(),
          createdAt: new Date(),
          delivery: new Date(),
        }),
      );
      for (let i = 0; i < docs.length; i += 2_000) await messages.insertMany(docs.slice(i, i + 2_000));
      ids.push(...docs.map((d) => d._id));
      // Fresh documents for every operation: a write that changes nothing may be cheaper.
      const pick = (from: number) => (i: number) => ids[ids.length - 1 - from - i]!;
      const row = [
        size.toLocaleString('en-US'),
        await perOp((i) => messages.findOne({ _id: pick(0)(i) })),
        await perOp((i) => messages.updateOne({ _id: pick(REPS)(i) }, { $set: { state: 'delivered' } })),
        await perOp((i) => messages.deleteOne({ _id: pick(2 * REPS)(i) })),
        await perOp(() => messages.find({ _id: { $in: ids.slice(0, 20) } }).toArray()),
        await perOp(() => messages.insertOne({ probe: true })),
      ];
      ids.splice(ids.length - 3 * REPS, 3 * REPS);
      const [count, ...times] = row;
      process.stdout.write(`| ${count} | ${times.join(' ms | ')} ms |\n`);
    }
  } finally {
    await mongoose.disconnect();
    await db.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
