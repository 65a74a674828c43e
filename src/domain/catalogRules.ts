/**
 * The catalog as the pure rules see it: plain values, whatever store they come from
 * (seeded, edited by an operator, or imported from the original server).
 */

/** A delivery choice offered by /get_send_choices; its key on the wire is `id`. */
export interface SendChoiceRule {
  id: string;
  order_id: number;
  send_label: string;
  send_label_fr: string;
  active: boolean;
  /** Seconds after sending, or epoch seconds when `time_absolute`. */
  time_delay: number;
  time_absolute: boolean;
  /** A random delay in [random_min, random_max] seconds (default the original's 5,259,487 to 25,000,000). */
  time_random: boolean;
  random_min?: number | null;
  random_max?: number | null;
}

/** Phrasings of a delay in [inf, sup] seconds: past ("Sent a week ago") and future ("in a week"). */
export interface ReceiveLabelRule {
  label: string;
  label_fr: string;
  future_label: string;
  future_label_fr: string;
  inf: number;
  sup: number;
  active: boolean;
}

/** A status tier: a user with [inf, sup] pending future messages sent reaches `rank`. */
export interface StatusTierRule {
  rank: number;
  label: string;
  label_fr: string;
  inf: number;
  sup: number;
  active: boolean;
}

export interface Catalog {
  sendChoices: SendChoiceRule[];
  receiveLabels: ReceiveLabelRule[];
  statusTiers: StatusTierRule[];
}

interface Ranged {
  inf: number;
  sup: number;
  active: boolean;
}

/**
 * The active entry whose [inf, sup] contains `value` (the highest such when ranges
 * overlap). Catalog data may leave gaps or stop short: then the entry just below the value
 * is used, and below every range the lowest one, so a label or tier is always found.
 */
export function pickRange<T extends Ranged>(entries: readonly T[], value: number): T | undefined {
  const active = entries.filter((e) => e.active).sort((a, b) => a.inf - b.inf);
  let containing: T | undefined;
  let below: T | undefined;
  for (const e of active) {
    if (e.inf <= value && value <= e.sup) containing = e;
    if (e.inf <= value) below = e;
  }
  return containing ?? below ?? active[0];
}
