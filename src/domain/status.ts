/**
 * Status tiers (../shared/CONTRACT.md §3 get_my_status): the tier grows with the number of future
 * messages a user has sent and still pending, and never goes down, so what is shown is the
 * highest rank ever reached. Founders (by phone number) are always "Founder".
 */
import { pickRange, type StatusTierRule } from './catalogRules';
import type { Language } from './language';

export const FOUNDER_LABEL = 'Founder';
const FALLBACK = { en: 'Newbie', fr: 'Débutant' } as const;

/** The rank of the tier whose [inf, sup] contains `count` (0 without tiers). */
export function rankForCount(count: number, tiers: readonly StatusTierRule[]): number {
  return pickRange(tiers, count)?.rank ?? 0;
}

/** The highest active tier at or below `rank` (the lowest one if none is). */
export function tierForRank(rank: number, tiers: readonly StatusTierRule[]): StatusTierRule | undefined {
  const active = tiers.filter((t) => t.active).sort((a, b) => a.rank - b.rank);
  return active.filter((t) => t.rank <= rank).pop() ?? active[0];
}

export function tierName(tier: StatusTierRule | undefined, language: Language): string {
  if (!tier) return FALLBACK[language];
  return language === 'fr' ? tier.label_fr : tier.label;
}

export function isFounder(phone: string | null | undefined, founderPhones: readonly string[]): boolean {
  return !!phone && founderPhones.includes(phone);
}

/** The status label of a user whose highest rank reached is `rank`. */
export function statusLabel(
  rank: number,
  phone: string | null | undefined,
  founderPhones: readonly string[],
  tiers: readonly StatusTierRule[],
  language: Language,
): string {
  if (isFounder(phone, founderPhones)) return FOUNDER_LABEL;
  return tierName(tierForRank(rank, tiers), language);
}
