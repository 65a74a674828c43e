/**
 * `npm run bench [-- --quick] [--backend postgresql|sqlite] [--compare sqlite|postgresql] [--out FILE] [--provider-latency-ms 40]
 *   [--only api,profile,growth,burst,burst-growth,steady,workerdb,coverage,encryption,rotation,console,wake]`
 * (`--only worker` stands for burst,burst-growth,steady,workerdb)
 *
 * Starts its own database (README "Benchmarks"), fake push providers, our web and worker
 * processes and the baseline as children, loads them with autocannon from this process,
 * and writes the results to bench/RESULTS.md. No assertion on speed: it measures. Every
 * phase is bounded in time (windows, durations, repetitions below).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import mongoose from 'mongoose';
import { startFakeApns } from '../test/helpers/fakeApns';
import { startFakeFcm } from '../test/helpers/fakeFcm';
import { makeTestTls } from '../test/helpers/workerTls';
import { useStackDataKeys } from '../scripts/lib/stack';
import { runAblation } from './ablation';
import { prepareApi, runApiPhase, type ApiSettings } from './api';
import { runConsolePhase } from './console';
import { runCoverage } from './coverage';
import { runEncryptionPhase, runRotationPhase } from './encryption';
import { startBenchDb, type Backend, type BenchDb } from './db';
import { runGrowthPhase } from './growth';
import { profileEndpoint } from './profile';
import { ourEnv } from './procs';
import { say } from './progress';
import { renderComparison, renderReport, type BenchResults } from './report';
import type { BurstResult } from './burst';
import { runBurst, type BurstSpec } from './burst';
import { runSteady, type Providers } from './worker';
import { runWake } from './wake';
import { runWorkerDb } from './workerDb';

const PHASES = [
  'api',
  'profile',
  'growth',
  'burst',
  'burst-growth',
  'steady',
  'workerdb',
  'coverage',
  'encryption',
  'rotation',
  'console',
  'wake',
];
/** Names that stand for several phases. */
const ALIASES: Record<string, string[]> = { worker: ['burst', 'burst-growth', 'steady', 'workerdb'] };

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    backend: { type: 'string', default: 'postgresql' },
    compare: { type: 'string' },
    out: { type: 'string', default: path.join(__dirname, 'RESULTS.md') },
    only: { type: 'string', default: PHASES.join(',') },
    'provider-latency-ms': { type: 'string', default: '40' },
  },
});

function phasesOf(only: string): Set<string> {
  const names = only.split(',').flatMap((x) => ALIASES[x] ?? [x]);
  const unknown = names.filter((x) => !PHASES.includes(x));
  if (unknown.length)
    throw new Error(`--only: unknown phase ${unknown.join(', ')}; phases: ${PHASES.join(', ')}`);
  return new Set(names);
}

const SETTINGS = {
  quick: {
    api: { connections: 10, warmupS: 1, runS: 3, rounds: 1 } satisfies ApiSettings,
    profileS: 3,
    profiled: ['/receive_all'] as const,
    ablationReps: 300,
    workerDb: { messages: 1_000, seconds: 6 },
    growth: { sizes: [1_000, 10_000], reps: 2 },
    // Windows sized for the engine of today (about 8 pushes/s): a burst is not pushed
    // within them, and the report says how much was.
    burst: { messages: 1_000, single: 2_000, windowS: 15 },
    burstGrowth: { due: 500, stored: [1_000, 10_000], windowS: 15 },
    steady: { rate: 100, seconds: 15, waitS: 10 },
    encryption: { reps: 200, rotationMessages: 10_000 },
    console: { scheduled: 20_000, backlog: 2_000, failures: 2_000, workers: 1, reps: 3 },
    wake: { phones: 500, windowS: 60 },
  },
  full: {
    api: { connections: 10, warmupS: 3, runS: 10, rounds: 3 } satisfies ApiSettings,
    profileS: 10,
    profiled: ['/receive_all', '/send'] as const,
    ablationReps: 600,
    workerDb: { messages: 5_000, seconds: 20 },
    growth: { sizes: [2_000, 20_000], reps: 7 },
    burst: { messages: 10_000, single: 5_000, windowS: 90 },
    burstGrowth: { due: 2_000, stored: [2_000, 20_000], windowS: 45 },
    steady: { rate: 100, seconds: 60, waitS: 60 },
    encryption: { reps: 1_000, rotationMessages: 100_000 },
    // 2 workers and 3 rounds rather than 4 and 5 (about 3 minutes, not 8): on the embedded
    // database queueStatus scans a day of heartbeats, about 1 s per 1,000 of them, on every page.
    console: { scheduled: 200_000, backlog: 2_000, failures: 20_000, workers: 2, reps: 3 },
    // Bounded: phones a refused login left blind never finish, so the wait stops 120 s after due.
    wake: { phones: 1_000, windowS: 120 },
  },
};

function machine(): string {
  const cpus = os.cpus();
  return `${cpus[0]?.model ?? 'unknown CPU'} x ${cpus.length}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GB RAM, ${os.type()} ${os.release()}`;
}

/**
 * The fake FCM and the fake APNs, both HTTP/2 over TLS with the test CA, each answering
 * after `latencyMs`, as a real provider would.
 */
async function startProviders(latencyMs: number): Promise<Providers> {
  const tls = makeTestTls();
  const [fcm, apns] = await Promise.all([startFakeFcm(tls), startFakeApns(tls)]);
  fcm.setDelay(latencyMs);
  apns.setDelay(latencyMs);
  return {
    fcm,
    apns,
    latencyMs,
    env: {
      FCM_CREDENTIALS: fcm.credentials,
      FCM_API_URL: fcm.url,
      ...apns.env,
      NODE_EXTRA_CA_CERTS: tls.caFile,
    },
  };
}

type Settings = (typeof SETTINGS)[keyof typeof SETTINGS];

interface Run {
  s: Settings;
  only: Set<string>;
  uri: (phase: string) => string;
  queryLogDir: string;
  providers: Providers;
  results: BenchResults;
}

/** Runs a phase and notes how long it took and the load around it (the report lists them). */
async function phase(r: Run, name: string, fn: () => Promise<void>): Promise<void> {
  const t = Date.now();
  const loadBefore = os.loadavg();
  await fn();
  r.results.env.phases.push({ name, seconds: (Date.now() - t) / 1000, loadBefore, loadAfter: os.loadavg() });
}

async function apiAndProfile(r: Run): Promise<void> {
  const { s, only, results } = r;
  let api: Pick<Awaited<ReturnType<typeof runApiPhase>>, 'world' | 'commands'>;
  if (only.has('api')) {
    const { result, ...rest } = await runApiPhase(r.uri('api'), r.queryLogDir, s.api);
    results.api = result;
    api = rest;
  } else {
    api = await prepareApi(r.uri('api'));
  }
  if (!only.has('profile')) return;
  const { world, commands } = api;
  say('== where our extra cost per request comes from (in process)');
  const env = ourEnv(r.uri('api'), r.queryLogDir);
  results.ablation = await runAblation(env, world.receiver._id.toHexString(), s.ablationReps, commands);
  for (const endpoint of s.profiled) {
    const o = { connections: s.api.connections, durationS: s.profileS };
    results.profiles.push(await profileEndpoint(r.uri('api'), r.queryLogDir, world, endpoint, o));
  }
}

/** Each burst run is a phase of its own, on a database of its own. */
async function burstRun(r: Run, name: string, spec: BurstSpec, into: BurstResult[]): Promise<void> {
  await phase(r, name, async () => {
    into.push(await runBurst(r.uri(name.replace(/\W+/g, '_')), r.queryLogDir, r.providers, spec));
  });
}

async function workerPhases(r: Run): Promise<void> {
  const { s, only, results, providers } = r;
  if (only.has('burst')) {
    const { messages, single, windowS } = s.burst;
    await burstRun(r, `burst ${messages} x1`, { messages, workers: 1, windowS }, results.burst);
    await burstRun(r, `burst ${messages} x2`, { messages, workers: 2, windowS }, results.burst);
    await burstRun(
      r,
      `burst ${messages} x2 kill`,
      { messages, workers: 2, kill: true, windowS },
      results.burst,
    );
    await burstRun(r, `burst ${single} x1`, { messages: single, workers: 1, windowS }, results.burst);
  }
  if (only.has('burst-growth')) {
    const { due, stored, windowS } = s.burstGrowth;
    for (const n of stored) {
      const spec = { messages: due, workers: 1, stored: n, windowS };
      await burstRun(r, `burst ${due} among ${n}`, spec, results.burstGrowth);
    }
  }
  if (only.has('workerdb')) {
    await phase(r, 'worker database time', async () => {
      const { messages, seconds } = s.workerDb;
      results.workerDb = await runWorkerDb(r.uri('workerdb'), providers, messages, seconds);
    });
  }
  if (only.has('steady')) {
    await phase(r, 'worker steady', async () => {
      const { rate, seconds, waitS } = s.steady;
      results.steady = await runSteady(r.uri('steady'), r.queryLogDir, providers, rate, seconds, waitS);
    });
  }
}

async function encryptionPhases(r: Run): Promise<void> {
  const { s, only, results } = r;
  if (only.has('encryption')) {
    await phase(r, 'encryption per request', async () => {
      results.encryption = {
        ...results.encryption,
        ...(await runEncryptionPhase(r.uri('encryption'), s.encryption.reps)),
      };
    });
  }
  if (only.has('rotation')) {
    await phase(r, 'rotate-keys', async () => {
      const rotation = await runRotationPhase(r.uri('rotation'), s.encryption.rotationMessages);
      results.encryption = { ...results.encryption, rotation };
    });
  }
}

async function runPhases(r: Run): Promise<void> {
  const { only, s, results } = r;
  if (only.has('api') || only.has('profile')) await phase(r, 'api and profile', () => apiAndProfile(r));
  if (only.has('growth')) {
    await phase(r, 'growth', async () => {
      results.growth = await runGrowthPhase(r.uri('growth'), r.queryLogDir, s.growth.sizes, s.growth.reps);
    });
  }
  await workerPhases(r);
  await encryptionPhases(r);
  if (only.has('console')) {
    await phase(r, "operator's console", async () => {
      results.console = await runConsolePhase(r.uri('console'), s.console);
    });
  }
  if (only.has('wake')) {
    await phase(r, 'wake-up wave', async () => {
      results.wake = await runWake(r.uri('wake'), r.queryLogDir, r.providers, s.wake);
    });
  }
  await mongoose.disconnect();
  if (only.has('coverage')) {
    await phase(r, 'index coverage', async () => {
      results.coverage = await runCoverage(r.queryLogDir);
    });
  }
}

function newResults(mode: 'quick' | 'full', db: BenchDb, latencyMs: number): BenchResults {
  const argv = process.argv.slice(2);
  return {
    env: {
      date: new Date().toISOString(),
      mode,
      command: `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`,
      machine: machine(),
      node: process.version,
      database: db.version,
      backend: db.backend,
      loadBefore: os.loadavg(),
      loadAfter: [],
      seconds: 0,
      phases: [],
      providerLatencyMs: latencyMs,
    },
    profiles: [],
    burst: [],
    burstGrowth: [],
    notes: [
      'Our processes run from the TypeScript sources through tsx (as `npm run dev`), NODE_ENV=production, ' +
        'LOG_LEVEL=info, DB_QUERY_LOG_DIR set (command monitoring on); login limits raised so that the load is ' +
        'never refused (the hits are still written and counted).',
    ],
  };
}

/** One run of the phases on one backend: its own database server, its own results. */
async function runOn(backend: Backend, mode: 'quick' | 'full', only: Set<string>, latencyMs: number) {
  say(`bench (${mode}): starting the database (${process.env.MONGODB_URI ? 'MONGODB_URI' : backend})`);
  const db = await startBenchDb(backend, () => {});
  const prefix = `bench${Date.now().toString(36)}`;
  const results = newResults(mode, db, latencyMs);
  const providers = await startProviders(latencyMs);
  const started = Date.now();
  try {
    await runPhases({
      s: SETTINGS[mode],
      only,
      uri: (name) => db.uri(`${prefix}_${name}`),
      queryLogDir: mkdtempSync(path.join(os.tmpdir(), 'pictever-bench-queries-')),
      providers,
      results,
    });
  } finally {
    await mongoose.disconnect();
    await Promise.all([providers.fcm.close(), providers.apns.close()]);
    await db.stop();
  }
  results.env.loadAfter = os.loadavg();
  results.env.seconds = (Date.now() - started) / 1000;
  const cpus = os.cpus().length;
  if (results.env.loadBefore[0]! > cpus || results.env.loadAfter[0]! > cpus) {
    results.notes.push(
      `The machine was busy with other work (load average above its ${cpus} CPUs): absolute numbers are low and ` +
        'noisy; the ratios measured side by side hold better.',
    );
  }
  return results;
}

const asBackend = (name: string | undefined, flag: string): Backend => {
  if (name !== 'sqlite' && name !== 'postgresql') throw new Error(`${flag} is sqlite or postgresql`);
  return name;
};

async function main(): Promise<void> {
  const mode = args.quick ? 'quick' : 'full';
  const backend = asBackend(args.backend, '--backend');
  const compare = args.compare === undefined ? undefined : asBackend(args.compare, '--compare');
  if (compare && process.env.MONGODB_URI)
    throw new Error('--compare compares embedded backends: unset MONGODB_URI');
  const latencyMs = Number(args['provider-latency-ms']);
  if (!Number.isInteger(latencyMs) || latencyMs < 0)
    throw new Error('--provider-latency-ms is a whole number');
  const only = phasesOf(args.only);
  useStackDataKeys(); // what this process's models encrypt with: the keys of the processes it starts
  const results = await runOn(backend, mode, only, latencyMs);
  // The same phases on the other backend, after the first and in the same process: its
  // figures go beside the first's in one report.
  const beside = compare ? await runOn(compare, mode, only, latencyMs) : undefined;
  const report = beside ? renderComparison(results, beside) : renderReport(results);
  writeFileSync(args.out, report);
  process.stdout.write(`\n${report}\nwritten to ${args.out}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
