/**
 * One whole fuzz pass on the connected database: world, app, requests, then every check.
 * Shared by `npm run fuzz` and test/integration/fuzz.test.ts.
 */
import { Message } from '../../src/models';
import { answerProblems, closeServer, runFuzz, statusCounts, type Sample } from './hardeningFuzz';
import { buildWorld, checkDatabase, leaks, secretsOf, startFuzzApp, type DbCheck } from './hardeningWorld';

export interface FuzzReport {
  requests: number;
  seconds: number;
  statuses: Record<string, number>;
  answerProblems: string[];
  db: DbCheck;
  leaks: string[];
  logLines: number;
  samples: Sample[];
}

export async function fuzzPass(opts: {
  count: number;
  seed: number;
  concurrency: number;
  env?: Record<string, string>;
  onProgress?: (done: number) => void;
}): Promise<FuzzReport> {
  const app = await startFuzzApp(opts.env);
  try {
    const world = await buildWorld();
    const seeded = await Message.countDocuments({});
    const started = Date.now();
    const samples = await runFuzz({ port: app.port, world, ...opts });
    const seconds = (Date.now() - started) / 1000;
    const db = await checkDatabase(world, samples, seeded);
    const secrets = await secretsOf(world, app);
    const texts = [...app.logLines, ...samples.map((s) => s.a.body)];
    return {
      requests: samples.length,
      seconds,
      statuses: statusCounts(samples),
      answerProblems: answerProblems(samples),
      db,
      leaks: leaks(secrets, texts),
      logLines: app.logLines.length,
      samples,
    };
  } finally {
    await closeServer(app.server);
  }
}
