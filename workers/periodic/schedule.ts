/**
 * The worker's periodic jobs on node-cron schedules (WORKER_*_CRON). Every worker runs
 * the same schedule; each scheduled slot runs once in total, in whichever worker first
 * inserts its key `${job}:${slot ISO}` into job_runs (node-cron's run coordinator).
 */
import cron, { type ScheduledTask } from 'node-cron';
import type { Config } from '../../src/config';
import type { Logger } from '../../src/logger';
import type { Mailer } from '../../src/mail/mailer';
import { promoteDue } from '../delivery/promote';
import { runCleanup } from './cleanup';
import { sendSignupReminders } from './reminder';
import { runCoordinator } from './runs';
import { sweepOrphanMessages } from './sweep';

export interface PeriodicDeps {
  config: Config;
  logger: Logger;
  mailer: Mailer;
  workerId: string;
  now: () => Date;
  /** TTL indexes the server keeps (`collection.field`): the cleanup sweeps they replace are skipped. */
  ttlIndexes: ReadonlySet<string>;
}

/** A periodic job as the heartbeat reports it (the console's "Workers"). */
export interface JobReport {
  name: string;
  pattern: string;
  /** The last run this worker did (each slot runs in one worker only). */
  last?: { at: Date; ok: boolean; result: string; ms: number };
  next_at: Date | null;
}

export interface PeriodicJobs {
  /** Stops the schedules and waits (up to `timeoutMs`) for runs in progress. */
  stop(timeoutMs: number): Promise<void>;
  report(): JobReport[];
}

/** A run's result as one short line: a count, or counts by name. */
function resultLine(result: unknown): string {
  const line = typeof result === 'object' && result !== null ? JSON.stringify(result) : String(result);
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

export function startPeriodicJobs(deps: PeriodicDeps): PeriodicJobs {
  const { config, logger } = deps;
  // `quiet`: a run that did nothing logs at debug (promote runs every 5 s).
  const jobs: { name: string; pattern: string; run: () => Promise<unknown>; quiet?: boolean }[] = [
    { name: 'promote', pattern: config.WORKER_PROMOTE_CRON, run: () => promoteDue(deps.now()), quiet: true },
    {
      name: 'sweep',
      pattern: config.WORKER_SWEEP_CRON,
      run: () => sweepOrphanMessages(deps.now(), logger, deps.workerId),
    },
    { name: 'reminder', pattern: config.WORKER_REMINDER_CRON, run: () => sendSignupReminders(deps) },
    {
      name: 'cleanup',
      pattern: config.WORKER_CLEANUP_CRON,
      run: () => runCleanup(deps.now(), logger, config, deps.ttlIndexes),
    },
  ];
  const coordinator = runCoordinator(deps.workerId, deps.now);
  const cronLogger = {
    info: (m: string) => logger.debug({ cron: m }, 'cron'),
    warn: (m: string) => logger.warn({ cron: m }, 'cron'),
    error: (m: string | Error, err?: Error) => logger.error({ err: err ?? m }, 'cron'),
    debug: (m: string | Error) => logger.debug({ cron: String(m) }, 'cron'),
  };
  const running = new Set<Promise<unknown>>();
  const last = new Map<string, NonNullable<JobReport['last']>>();
  const tasks: ScheduledTask[] = jobs.map((job) =>
    cron.schedule(
      job.pattern,
      async () => {
        const startedAt = deps.now();
        const run = job.run();
        running.add(run);
        const ended = (ok: boolean, result: string) =>
          last.set(job.name, { at: startedAt, ok, result, ms: deps.now().getTime() - startedAt.getTime() });
        try {
          const result = await run;
          const level = job.quiet && result === 0 ? 'debug' : 'info';
          logger[level]({ job: job.name, result }, 'periodic job done');
          ended(true, resultLine(result));
        } catch (err) {
          logger.error({ err, job: job.name }, 'periodic job failed');
          ended(false, err instanceof Error ? err.message.slice(0, 200) : 'failed');
        } finally {
          running.delete(run);
        }
      },
      { name: job.name, distributed: true, runCoordinator: coordinator, noOverlap: true, logger: cronLogger },
    ),
  );
  return {
    report: () =>
      jobs.map((job, i) => ({
        name: job.name,
        pattern: job.pattern,
        last: last.get(job.name),
        next_at: tasks[i]!.getNextRun(),
      })),
    stop: async (timeoutMs: number) => {
      for (const t of tasks) await t.stop();
      const settled = Promise.allSettled([...running]);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([settled, new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
      clearTimeout(timer);
      for (const t of tasks) await t.destroy();
    },
  };
}
