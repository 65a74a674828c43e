/**
 * `npm run fuzz [-- --count 10000 --seed 42 --concurrency 16]`: malformed requests for
 * every route against the app in this process and a fresh embedded database (or
 * MONGODB_URI), then the checks of scripts/lib/hardeningWorld.ts. Exits 1 on any problem.
 */
import mongoose from 'mongoose';
import { loadConfig } from '../src/config';
import { syncIndexes } from '../src/db/indexes';
import { createLogger } from '../src/logger';
import '../src/models';
import { fuzzPass } from './lib/hardeningFuzzRun';
import { startDatabase } from './lib/stack';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v)) throw new Error(`--${name} needs a number`);
  return v;
}

async function main(): Promise<void> {
  const count = flag('count', 10_000);
  const seed = flag('seed', 20_251_125);
  const concurrency = flag('concurrency', 16);
  const { uri, devdb } = await startDatabase(`fuzz_${Date.now()}`);
  mongoose.set('autoIndex', false);
  mongoose.set('bufferCommands', false);
  await mongoose.connect(uri, { serverSelectionTimeoutMS: 5_000 });
  await syncIndexes(mongoose.connection, loadConfig({ NODE_ENV: 'test' }), createLogger('warn'));
  const out = (s: string) => process.stdout.write(`${s}\n`);
  out(`fuzzing ${count} requests, seed ${seed}, ${concurrency} at a time`);
  let failed = false;
  try {
    const r = await fuzzPass({ count, seed, concurrency, onProgress: (n) => out(`  ${n} sent`) });
    out(`requests: ${r.requests} in ${r.seconds.toFixed(1)} s (${(r.requests / r.seconds).toFixed(0)}/s)`);
    out(`statuses: ${JSON.stringify(r.statuses)}`);
    const byRoute = new Map<string, Record<string, number>>();
    for (const { c, a } of r.samples) {
      const k = `${c.method} ${c.path}`.slice(0, 40);
      const m = byRoute.get(k) ?? {};
      m[String(a.status)] = (m[String(a.status)] ?? 0) + 1;
      byRoute.set(k, m);
    }
    const routes = [...byRoute.entries()].sort(([a], [b]) => a.localeCompare(b));
    out(`distinct method+path shapes: ${routes.length}`);
    const main = routes.filter(([k]) => /^(GET|POST) \/[a-z_]+$/.test(k));
    for (const [k, m] of main) out(`  ${k.padEnd(36)} ${JSON.stringify(m)}`);
    const slow = [...r.samples].sort((a, b) => b.a.ms - a.a.ms).slice(0, 5);
    out('slowest answers:');
    for (const { c, a } of slow) {
      const body = c.body.kind === 'huge' ? `${c.body.shape} body of ${c.body.size} bytes` : c.body.kind;
      out(`  ${a.ms} ms ${a.status} ${c.method} ${c.path} [${c.label}] ${body}`);
    }
    out(
      `database: ${r.db.messages} messages; /send answered 200: ${r.db.acceptedSends}; tracked sends ${r.db.trackedSends}, ` +
        `expected ${r.db.expectedTracked} tracked messages (known receivers), stored ${r.db.storedTracked}`,
    );
    out(
      `431 answers to a request line or headers over 16 KB (refused by Node's parser): ${r.statuses['431'] ?? 0}`,
    );
    out(`log lines scanned: ${r.logLines}; answers scanned: ${r.requests}`);
    const problems = [...r.answerProblems, ...r.db.problems, ...r.leaks.map((l) => `secret leaked: ${l}`)];
    out(`problems: ${problems.length}`);
    for (const p of problems.slice(0, 50)) out(`  ${p}`);
    failed = problems.length > 0;
  } finally {
    await mongoose.connection.dropDatabase().catch(() => undefined);
    await mongoose.disconnect();
    await devdb?.stop();
  }
  process.exit(failed ? 1 : 0);
}

main().catch((err: unknown) => {
  process.stderr.write(`fuzz failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
