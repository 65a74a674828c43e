import type { StatusTierRule } from '../../src/domain/catalogRules';
import {
  FOUNDER_LABEL,
  isFounder,
  rankForCount,
  statusLabel,
  tierForRank,
  tierName,
} from '../../src/domain/status';
import { SEED_STATUS_TIERS } from '../../src/services/catalog/seed';

const tier = (rank: number, inf: number, sup: number, label: string, active = true): StatusTierRule => ({
  rank,
  inf,
  sup,
  label,
  label_fr: `${label}-fr`,
  active,
});
const tiers = [
  tier(0, 0, 2, 'Newbie'),
  tier(1, 3, 9, 'Explorer'),
  tier(2, 10, 100, 'Legend'),
  tier(3, 101, 200, 'Off', false),
];

describe('status tiers', () => {
  it('when a count is inside [inf, sup] then that tier rank is reached, bounds included', () => {
    expect([0, 2, 3, 9, 10, 100].map((c) => rankForCount(c, tiers))).toEqual([0, 0, 1, 1, 2, 2]);
  });

  it('when a count is above every tier then the highest active tier is reached', () => {
    expect(rankForCount(150, tiers)).toBe(2);
  });

  it('when there are no tiers then rank 0 and the Newbie fallback name', () => {
    expect(rankForCount(50, [])).toBe(0);
    expect(tierName(tierForRank(0, []), 'en')).toBe('Newbie');
    expect(tierName(tierForRank(0, []), 'fr')).toBe('Débutant');
  });

  it('when a stored rank names no active tier then the highest active tier below it is used', () => {
    expect(tierForRank(3, tiers)?.label).toBe('Legend');
    expect(tierForRank(-1, tiers)?.label).toBe('Newbie');
  });

  it('when the user is a founder by phone then the label is Founder whatever the rank', () => {
    expect(isFounder('0033612345678', ['0033612345678'])).toBe(true);
    expect(isFounder(undefined, ['0033612345678'])).toBe(false);
    expect(statusLabel(0, '0033612345678', ['0033612345678'], tiers, 'fr')).toBe(FOUNDER_LABEL);
  });

  it('when the viewer is French then the tier is named in French', () => {
    expect(statusLabel(1, '001555', [], tiers, 'fr')).toBe('Explorer-fr');
    expect(statusLabel(1, null, [], tiers, 'en')).toBe('Explorer');
  });

  it('when the seeded tiers are used then the first is Newbie / Débutant and ranks follow inf', () => {
    expect(statusLabel(0, null, [], SEED_STATUS_TIERS, 'en')).toBe('Newbie');
    expect(statusLabel(0, null, [], SEED_STATUS_TIERS, 'fr')).toBe('Débutant');
    const byInf = [...SEED_STATUS_TIERS].sort((a, b) => a.inf - b.inf).map((t) => t.rank);
    expect(byInf).toEqual([...byInf].sort((a, b) => a - b));
  });
});
