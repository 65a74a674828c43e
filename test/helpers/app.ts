/**
 * The app as the tests use it: real config parsing, the test database's connection, and
 * a logger whose every line is captured so tests can check that no secret is logged.
 */
import { Writable } from 'node:stream';
import mongoose from 'mongoose';
import type { Express } from 'express';
import { createApp } from '../../src/app';
import { loadConfig, type Config } from '../../src/config';
import { createLogger, type Logger } from '../../src/logger';
import { createMailer } from '../../src/mail';
import type { AppDeps } from '../../src/app';
import { testDataKeys } from './dataKeys';

export interface TestApp {
  app: Express;
  config: Config;
  logger: Logger;
  logLines: string[];
}

export function captureLogger(level = 'debug'): { logger: Logger; logLines: string[] } {
  const logLines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logLines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { logger: createLogger(level, sink), logLines };
}

/** The session secret of every test app, so that test/helpers/session.ts can sign cookies. */
export const TEST_SESSION_SECRET = 'pictever-test-session-secret-0123456789abcdef';

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    BCRYPT_COST: '4',
    LOG_LEVEL: 'debug',
    SESSION_SECRET: TEST_SESSION_SECRET,
    DATA_KEYS: testDataKeys(),
    ...env,
  });
}

/**
 * The app on Mongoose's default connection with the real mailer, clock and randomness;
 * `deps` overrides any of them. The tests and the bench's in-process server build it so.
 */
export function appOnDefaultConnection(config: Config, logger: Logger, deps: Partial<AppDeps> = {}): Express {
  return createApp({
    config,
    logger,
    connection: mongoose.connection,
    mailer: createMailer(config, logger),
    now: () => new Date(),
    random: Math.random,
    ...deps,
  });
}

/** The app on the test database; `deps` overrides any dependency (clock, random, mailer). */
export function buildTestApp(env: Record<string, string> = {}, deps: Partial<AppDeps> = {}): TestApp {
  const config = testConfig(env);
  const { logger, logLines } = captureLogger();
  return { app: appOnDefaultConnection(config, logger, deps), config, logger, logLines };
}
