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

export interface PeriodicJobs {
  /** Stops the schedules and waits (up to `timeoutMs`) for runs in progress. */
  stop(timeoutMs: number): Promise<void>;
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
  const tasks: ScheduledTask[] = jobs.map((job) =>
    cron.schedule(
      job.pattern,
      async () => {
        const run = job.run();
        running.add(run);
        try {
          const result = await run;
          const level = job.quiet && result === 0 ? 'debug' : 'info';
          logger[level]({ job: job.name, result }, 'periodic job done');
        } catch (err) {
          logger.error({ err, job: job.name }, 'periodic job failed');
        } finally {
          running.delete(run);
        }
      },
      { name: job.name, distributed: true, runCoordinator: coordinator, noOverlap: true, logger: cronLogger },
    ),
  );
  return {
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
