/**
 * What the web app is built from (createApp in app.ts). Routes, services and the session
 * layer import this type from here, never from app.ts, which imports them: no cycle.
 */
import type { Connection } from 'mongoose';
import type { Config } from './config';
import type { Logger } from './logger';
import type { Mailer } from './mail/mailer';
import type { PushOptions } from './push';

export interface AppDeps {
  config: Config;
  logger: Logger;
  connection: Connection;
  mailer: Mailer;
  /** The current time; tests inject a clock. */
  now: () => Date;
  /** A uniform random number in [0, 1); tests inject a seeded source. */
  random: () => number;
  /** In-process tests: the fake push providers' CA (the console's test push). */
  push?: PushOptions;
}
