/**
 * Removal of expired account records (rate-limit hits, reset codes and their attempts):
 * the embedded database has no TTL indexes (README "Databases"). The worker schedules it;
 * it is idempotent and safe to run from several processes at once.
 */
import type { Config } from '../../config';
import { cleanupResetCodes } from './passwordReset';
import { cleanupRateHits } from './rateLimit';

export async function cleanupAccountRecords(
  config: Config,
  now: Date,
): Promise<{ rateHits: number; resetCodes: number }> {
  const [rateHits, resetCodes] = await Promise.all([
    cleanupRateHits(config, now),
    cleanupResetCodes(config, now),
  ]);
  return { rateHits, resetCodes };
}
