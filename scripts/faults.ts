/**
 * `npm run faults [-- --users 50 --outage 30 --kills 10]`, two fault runs on the embedded
 * database with the fake push providers:
 *  1. The database is stopped for `--outage` seconds during load, then started again on
 *     the same port and folder: the web must answer quickly (503, never 500, never hang),
 *     both processes must recover without a restart, and no accepted message is lost.
 *  2. A backlog of due messages while workers are killed with SIGKILL and restarted in a
 *     loop (`--kills` times): nothing lost, nothing pushed twice.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { countDueJobs } from '../src/models';
import { timedOut } from './lib/hardeningFaults';
import { checkDelivery, makeUsers, runUsers, type LoadOutcome } from './lib/hardeningLoad';
import { flag, percentiles, sleep, startStack, type Stack } from './lib/hardeningStack';

const out = (s: string) => process.stdout.write(`${s}\n`);
const logDir = mkdtempSync(path.join(os.tmpdir(), 'pictever-faults-logs-'));
const progress = (pending: number, waitedMs: number) =>
  out(`    after ${(waitedMs / 1000).toFixed(0)} s: ${pending} pending`);

/** Keeps the processes' log lines of a run for the diagnosis of a failure. */
function saveLogs(run: string, stack: Stack): void {
  writeFileSync(path.join(logDir, `${run}-web.log`), stack.webLines.join('\n'));
  writeFileSync(path.join(logDir, `${run}-worker.log`), stack.workerLines.join('\n'));
  out(`  logs (worker at info level): ${logDir}/${run}-*.log`);
}

function alive(stack: Stack): boolean {
  return [stack.web, ...stack.workers.slice(-1)].every(
    (p) => p.child.exitCode === null && p.child.signalCode === null,
  );
}

async function databaseOutage(users: number, outageS: number): Promise<boolean> {
  out(`\n== database outage: ${users} clients, database stopped for ${outageS} s ==`);
  if (process.env.MONGODB_URI)
    throw new Error('the outage run needs the embedded database (unset MONGODB_URI)');
  const stack = await startStack(`faults_db_${Date.now()}`, {}, { workerLogLevel: 'info' });
  try {
    const vus = await makeUsers(stack.baseUrl, users, 'fo');
    const outcome: LoadOutcome = { records: [], sent: new Map(), attempted: 0 };
    let stop = false;
    const load = runUsers(vus, () => stop, 'fo', outcome);
    await sleep(8_000);
    const downAt = Date.now();
    await stack.db.stop();
    out(`database stopped at +8 s`);
    await sleep(outageS * 1000);
    const upAt = Date.now();
    await stack.db.start();
    out(`database started again after ${((upAt - downAt) / 1000).toFixed(1)} s`);
    await sleep(20_000);
    stop = true;
    await load;
    const phase = (at: number) => (at < downAt ? 'before' : at < upAt ? 'outage' : 'after');
    const byPhase: Record<string, Record<string, number>> = {};
    for (const r of outcome.records) {
      const p = (byPhase[phase(r.at)] ??= {});
      const k = r.error ? `error ${r.error}` : String(r.status);
      p[k] = (p[k] ?? 0) + 1;
    }
    for (const [p, counts] of Object.entries(byPhase)) out(`  ${p.padEnd(7)} ${JSON.stringify(counts)}`);
    const during = outcome.records.filter((r) => phase(r.at) === 'outage');
    const lat = percentiles(during.map((r) => r.ms));
    out(`  latency during the outage: p50 ${lat.p50} ms, p99 ${lat.p99} ms, max ${lat.max} ms (n=${lat.n})`);
    const firstOk = outcome.records
      .filter((r) => r.at >= upAt && r.status === 200)
      .reduce((m, r) => Math.min(m, r.at + r.ms), Infinity);
    out(`  first 200 after the restart: ${((firstOk - upAt) / 1000).toFixed(1)} s`);
    const after = outcome.records.filter((r) => r.at >= upAt + 10_000);
    const afterBad = after.filter((r) => r.status !== 200).length;
    out(`  answers other than 200 from 10 s after the restart: ${afterBad} of ${after.length}`);
    const fiveHundreds = outcome.records.filter((r) => r.status >= 500 && r.status !== 503).length;
    const hangs = outcome.records.filter((r) => r.error === timedOut).length;
    out(`  5xx other than 503: ${fiveHundreds}; requests without an answer in 15 s: ${hangs}`);
    const d = await checkDelivery(stack, vus, outcome.sent, 'fo', 180_000, progress);
    out(
      `  delivery: accepted ${d.accepted}, stored ${d.stored}, delivered ${d.delivered}, pending ${d.pending}, ` +
        `pushes ${d.pushes}, users whose push count differs ${d.tokensWrong}`,
    );
    for (const p of d.problems.slice(0, 10)) out(`    ${p}`);
    const errLines = stack.webLines.filter((l) => /"level":50/.test(l));
    out(`  web error log lines: ${errLines.length}`);
    for (const l of errLines.slice(0, 4)) out(`    ${l.slice(0, 600)}`);
    const workerLines = stack.workerLines.filter((l) => /"level":(40|50|60)/.test(l));
    out(`  worker warning/error log lines: ${workerLines.length}`);
    for (const l of workerLines.slice(-6)) out(`    ${l.slice(0, 400)}`);
    const ok = alive(stack);
    out(`  web and worker still the original processes, running: ${ok}`);
    saveLogs('outage', stack);
    return (
      fiveHundreds === 0 && hangs === 0 && afterBad === 0 && d.problems.length === 0 && d.pending === 0 && ok
    );
  } finally {
    await stack.close();
  }
}

async function workerKills(users: number, kills: number): Promise<boolean> {
  out(`\n== worker killed with SIGKILL ${kills} times during a backlog ==`);
  const stack = await startStack(`faults_kill_${Date.now()}`, {}, { workerLogLevel: 'info' });
  try {
    const vus = await makeUsers(stack.baseUrl, users, 'fk');
    await stack.workers[0]!.stop('SIGKILL');
    const outcome: LoadOutcome = { records: [], sent: new Map(), attempted: 0 };
    const until = Date.now() + 15_000;
    await runUsers(vus, () => Date.now() >= until, 'fk', outcome);
    const backlog = await countDueJobs(new Date());
    out(`  backlog with no worker running: ${backlog} due pushes (${outcome.sent.size} accepted sends)`);
    for (let i = 0; i < kills; i++) {
      const w = stack.startWorker();
      // Kill it while it works: shortly after its first push (or after 30 s).
      const seen = stack.fcm.requests.length + stack.apns.requests.length;
      const deadline = Date.now() + 30_000;
      while (stack.fcm.requests.length + stack.apns.requests.length === seen && Date.now() < deadline)
        await sleep(50);
      await sleep(Math.floor(Math.random() * 300));
      await w.stop('SIGKILL');
      const pending = await countDueJobs(new Date());
      out(
        `  kill ${i + 1}: pending ${pending}, pushes so far ${stack.fcm.requests.length + stack.apns.requests.length}`,
      );
    }
    stack.startWorker();
    const d = await checkDelivery(stack, vus, outcome.sent, 'fk', 180_000, progress);
    out(
      `  delivery: accepted ${d.accepted}, stored ${d.stored}, delivered ${d.delivered}, pending ${d.pending}, ` +
        `pushes ${d.pushes} (FCM ${stack.fcm.requests.length}, APNs ${stack.apns.requests.length}), ` +
        `users whose push count differs ${d.tokensWrong}`,
    );
    for (const p of d.problems.slice(0, 10)) out(`    ${p}`);
    saveLogs('kills', stack);
    return d.problems.length === 0 && d.pending === 0;
  } finally {
    await stack.close();
  }
}

async function main(): Promise<void> {
  const users = flag('users', 50);
  const outage = flag('outage', 30);
  const kills = flag('kills', 10);
  const only = process.argv.includes('--only-kills')
    ? 'kills'
    : process.argv.includes('--only-outage')
      ? 'outage'
      : '';
  const a = only === 'kills' ? true : await databaseOutage(users, outage);
  const b = only === 'outage' ? true : await workerKills(users, kills);
  out(`\noutage run ${a ? 'passed' : 'FAILED'}; worker kill run ${b ? 'passed' : 'FAILED'}`);
  process.exit(a && b ? 0 : 1);
}

main().catch((err: unknown) => {
  process.stderr.write(`faults failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
