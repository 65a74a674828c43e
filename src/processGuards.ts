/**
 * What a process does with an error nobody caught (web and worker alike). An uncaught
 * exception leaves the process in an unknown state: it is logged and the process exits
 * non-zero, and the platform starts a fresh one (Heroku restarts a crashed dyno). A
 * rejected promise nobody awaited is logged; in production the process exits too, since
 * it may be a write that silently did not happen; in development it keeps running.
 */
import type { Logger } from './logger';

export function guardProcess(logger: Logger, opts: { exitOnRejection: boolean }): void {
  process.on('uncaughtException', (err) => {
    logger.fatal({ err }, 'uncaught exception; exiting');
    process.exit(1);
  });
  process.on('unhandledRejection', (reason) => {
    logger.error({ err: reason }, 'unhandled promise rejection');
    if (opts.exitOnRejection) process.exit(1);
  });
}
