/**
 * The accounts feature's expiring records (rate-limit hits, reset codes and their
 * attempts), as sweeps for the worker's cleanup job. Each names the TTL index that removes
 * the same records on MongoDB, where it is skipped (README "Indexes"). Every
 * sweep is idempotent and safe to run from several processes at once.
 */
import type { Config } from '../../config';
import type { Sweep } from '../../models/expiry';
import { resetCodeSweeps } from './passwordReset';
import { rateHitSweeps } from './rateLimit';

export function accountSweeps(config: Config): Sweep[] {
  return [...rateHitSweeps(config), ...resetCodeSweeps(config)];
}
