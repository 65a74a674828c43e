/**
 * `npm run bench [-- --quick] [--backend sqlite|postgresql] [--out FILE] [--only api,profile,growth,worker,coverage]`
 *
 * Starts its own database (README "Benchmarks"), fake push providers, our web and worker
 * processes and the baseline as children, loads them with autocannon from this process,
 * and writes the results to bench/RESULTS.md. No assertion on speed: it measures.
 * --quick takes under 3 minutes on 2 cores; the full run under 20.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import mongoose from 'mongoose';
import { startFakeApns } from '../test/helpers/fakeApns';
import { startFakeFcm } from '../test/helpers/fakeFcm';
import { makeTestTls } from '../test/helpers/workerTls';
import { runAblation } from './ablation';
import { prepareApi, runApiPhase, type ApiSettings } from './api';
import { runCoverage } from './coverage';
import { startBenchDb, type Backend, type BenchDb } from './db';
import { runGrowthPhase } from './growth';
import { profileEndpoint } from './profile';
import { ourEnv } from './procs';
import { say } from './progress';
import { renderReport, type BenchResults } from './report';
import { runBacklog, runSteady, type Providers } from './worker';
import { runWorkerDb } from './workerDb';

const PHASES = ['api', 'profile', 'growth', 'worker', 'coverage'] as const;

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    backend: { type: 'string', default: 'sqlite' },
    out: { type: 'string', default: path.join(__dirname, 'RESULTS.md') },
    only: { type: 'string', default: PHASES.join(',') },
  },
});

const SETTINGS = {
  quick: {
    api: { connections: 10, warmupS: 1, runS: 3, rounds: 1 } satisfies ApiSettings,
    profileS: 3,
    profiled: ['/receive_all'] as const,
    ablationReps: 300,
    workerDbS: 6,
    growth: { sizes: [1_000, 10_000], reps: 2 },
    backlog: { messages: 1_000, windowS: 8 },
    steady: { rate: 100, seconds: 15, waitS: 10 },
  },
  full: {
    api: { connections: 10, warmupS: 3, runS: 10, rounds: 3 } satisfies ApiSettings,
    profileS: 10,
    profiled: ['/receive_all', '/send'] as const,
    ablationReps: 600,
    workerDbS: 20,
    growth: { sizes: [2_000, 20_000], reps: 7 },
    backlog: { messages: 5_000, windowS: 60 },
    steady: { rate: 100, seconds: 60, waitS: 120 },
  },
};

function machine(): string {
  const cpus = os.cpus();
  return `${cpus[0]?.model ?? 'unknown CPU'} x ${cpus.length}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GB RAM, ${os.type()} ${os.release()}`;
}

async function startProviders(): Promise<Providers> {
  const tls = makeTestTls();
  const [fcm, apns] = await Promise.all([startFakeFcm(tls), startFakeApns(tls)]);
  return {
    fcm,
    apns,
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

/** Runs a phase and notes how long it took (the report lists it). */
async function phase(r: Run, name: string, fn: () => Promise<void>): Promise<void> {
  const t = Date.now();
  await fn();
  r.results.env.phases.push(`${name} ${Math.round((Date.now() - t) / 1000)} s`);
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

async function workerPhases(r: Run): Promise<void> {
  const { s, results, providers } = r;
  for (const workers of [1, 2]) {
    await phase(r, `worker backlog x${workers}`, async () => {
      const uri = r.uri(`backlog${workers}`);
      const b = s.backlog;
      results.backlog.push(await runBacklog(uri, r.queryLogDir, providers, b.messages, workers, b.windowS));
    });
  }
  await phase(r, 'worker database time', async () => {
    results.workerDb = await runWorkerDb(r.uri('workerdb'), providers, s.backlog.messages, s.workerDbS);
  });
  await phase(r, 'worker steady', async () => {
    const { rate, seconds, waitS } = s.steady;
    results.steady = await runSteady(r.uri('steady'), r.queryLogDir, providers, rate, seconds, waitS);
  });
}

async function runPhases(r: Run): Promise<void> {
  const { only, s, results } = r;
  if (only.has('api') || only.has('profile')) await phase(r, 'api and profile', () => apiAndProfile(r));
  if (only.has('growth')) {
    await phase(r, 'growth', async () => {
      results.growth = await runGrowthPhase(r.uri('growth'), r.queryLogDir, s.growth.sizes, s.growth.reps);
    });
  }
  if (only.has('worker')) await workerPhases(r);
  await mongoose.disconnect();
  if (only.has('coverage')) {
    await phase(r, 'index coverage', async () => {
      results.coverage = await runCoverage(r.queryLogDir);
    });
  }
}

function newResults(mode: 'quick' | 'full', backend: Backend, db: BenchDb): BenchResults {
  const flags = `${mode === 'quick' ? ' -- --quick' : ''}${backend === 'postgresql' ? ' --backend postgresql' : ''}`;
  return {
    env: {
      date: new Date().toISOString(),
      mode,
      command: `npm run bench${flags}`,
      machine: machine(),
      node: process.version,
      database: db.version,
      backend: db.backend,
      loadBefore: os.loadavg(),
      loadAfter: [],
      seconds: 0,
      phases: [],
    },
    profiles: [],
    backlog: [],
    notes: [
      'Our processes run from the TypeScript sources through tsx (as `npm run dev`), NODE_ENV=production, ' +
        'LOG_LEVEL=info, DB_QUERY_LOG_DIR set (command monitoring on); login limits raised so that the load is ' +
        'never refused (the hits are still written and counted).',
    ],
  };
}

async function main(): Promise<void> {
  const mode = args.quick ? 'quick' : 'full';
  const backend = args.backend as Backend;
  if (backend !== 'sqlite' && backend !== 'postgresql') throw new Error('--backend is sqlite or postgresql');
  const started = Date.now();
  say(`bench (${mode}): starting the database (${process.env.MONGODB_URI ? 'MONGODB_URI' : backend})`);
  const db = await startBenchDb(backend, () => {});
  const prefix = `bench${Date.now().toString(36)}`;
  const results = newResults(mode, backend, db);
  const providers = await startProviders();
  try {
    await runPhases({
      s: SETTINGS[mode],
      only: new Set(args.only.split(',')),
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
  const report = renderReport(results);
  writeFileSync(args.out, report);
  process.stdout.write(`\n${report}\nwritten to ${args.out}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
