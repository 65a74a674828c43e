/**
 * How many logins a second this web process can answer (README "The wake-up wave"): its
 * bcrypt checks a second (cores over the measured time of one), divided by the share of
 * recent password logins that needed one (the others were remembered,
 * services/accounts/verifiedLogins). A cold process checks every login; a warm one few.
 * The web publishes it (services/ops/webState) and the worker paces Android pushes by it.
 */
import type { PasswordQueue } from './passwordQueue';

/** How fast the share follows new logins (an exponential moving average). */
const SMOOTHING = 0.05;
/** The share never counts below this: a warm process may meet a wave of cold accounts. */
const LOWEST_SHARE = 0.1;

export class LoginLoad {
  /** Share of recent password logins that needed a bcrypt check; all of them at start. */
  private checkedShare = 1;

  observe(checked: boolean): void {
    this.checkedShare += SMOOTHING * ((checked ? 1 : 0) - this.checkedShare);
  }

  /** Logins a second. */
  capacity(queue: Pick<PasswordQueue, 'concurrency' | 'operationMs'>): number {
    const checksPerSecond = (queue.concurrency * 1000) / Math.max(0.1, queue.operationMs);
    return checksPerSecond / Math.max(LOWEST_SHARE, this.checkedShare);
  }
}

/** The process's one measure. */
export const loginLoad = new LoginLoad();
