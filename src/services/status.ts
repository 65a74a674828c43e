/**
 * Status labels of users as others see them (upload_contacts, get_address_book). Uses the
 * stored `status_rank` (the highest tier reached) so that listing thousands of contacts
 * costs one catalog read. Filled in by the messages feature with the seeded tiers.
 */
import type { Config } from '../config';

export interface StatusSubject {
  status_rank?: number | null;
  device?: { phone?: string | null } | null;
}

/** Returns a pure function naming each user's status in the viewer's language. */
export function statusNamer(_config: Config, _countryCode: string): Promise<(user: StatusSubject) => string> {
  return Promise.resolve(() => 'Newbie');
}
