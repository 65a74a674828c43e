/**
 * The web process's state for the worker's pacing (src/models/webState.ts): every
 * WEB_STATE_INTERVAL_MS its login capacity and bcrypt queue, written whole over its own
 * document. A failed write is logged (once until one succeeds) and tried again at the
 * next interval: the worker then counts this process for three intervals at most.
 */
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Logger } from '../../logger';
import { WebState } from '../../models/webState';
import { loginLoad } from '../accounts/loginLoad';
import { passwordWork } from '../accounts/passwords';

export const WEB_STATE_INTERVAL_MS = 5_000;

export interface WebStatePublisher {
  /** Writes the state once now (start and tests). */
  publish(): Promise<void>;
  stop(): void;
}

export function startWebState(deps: { logger: Logger; dyno?: string; now: () => Date }): WebStatePublisher {
  const id = `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  let failing = false;
  const publish = async () => {
    const state = {
      dyno: deps.dyno,
      at: deps.now(),
      login_capacity: Math.round(loginLoad.capacity(passwordWork) * 10) / 10,
      login_queue: passwordWork.admitted,
    };
    try {
      await WebState.collection.replaceOne({ _id: id as never }, state, { upsert: true });
      failing = false;
    } catch (err) {
      if (!failing) deps.logger.warn({ err }, 'writing the web state failed; the worker paces without it');
      failing = true;
    }
  };
  const timer = setInterval(() => void publish(), WEB_STATE_INTERVAL_MS);
  timer.unref();
  return { publish, stop: () => clearInterval(timer) };
}
