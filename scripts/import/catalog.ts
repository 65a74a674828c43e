/**
 * The original's catalog (send_choice, receive_label, status) in our catalog collections.
 * Field names are already ours (src/models/catalog.ts); ids are kept because the apps
 * store send-choice ids as delivery keys. Fields we do not use (a send choice's own
 * receive label and colour, a receive label's colour, `key`) are dropped.
 */
import { bool, fail, num, ok, str, type LegacyDoc, type Mapped } from './values';

export function mapSendChoice(d: LegacyDoc): Mapped<Record<string, unknown>> {
  const order = num(d.order_id);
  if (order === undefined) return fail('order_id is not a number');
  return ok({
    _id: d._id,
    order_id: order,
    send_label: str(d.send_label),
    send_label_fr: str(d.send_label_fr) || str(d.send_label),
    active: bool(d.active),
    time_delay: num(d.time_delay) ?? 0,
    time_absolute: bool(d.time_absolute),
    time_random: bool(d.time_random),
  });
}

export function mapReceiveLabel(d: LegacyDoc): Mapped<Record<string, unknown>> {
  const inf = num(d.inf);
  const sup = num(d.sup);
  if (inf === undefined || sup === undefined) return fail('inf or sup is not a number');
  return ok({
    _id: d._id,
    label: str(d.label),
    label_fr: str(d.label_fr) || str(d.label),
    future_label: str(d.future_label),
    future_label_fr: str(d.future_label_fr) || str(d.future_label),
    inf,
    sup,
    active: bool(d.active),
  });
}

/**
 * Status tiers. The original had no rank (it compared counts with inf/sup each time);
 * ours keeps the highest rank a user reached, so ranks are the tiers' order by `inf`.
 * The original had no French status labels: the English one stands in.
 */
export function mapStatusTiers(docs: readonly LegacyDoc[]): Mapped<Record<string, unknown>>[] {
  const infs = docs.map((d) => num(d.inf));
  const ordered = docs
    .map((d, i) => ({ d, inf: infs[i] }))
    .filter((x): x is { d: LegacyDoc; inf: number } => x.inf !== undefined && num(x.d.sup) !== undefined)
    .sort((a, b) => a.inf - b.inf || String(a.d._id).localeCompare(String(b.d._id)));
  const rankOf = new Map(ordered.map((x, rank) => [x.d, rank]));
  return docs.map((d) => {
    const rank = rankOf.get(d);
    if (rank === undefined) return fail('inf or sup is not a number');
    return ok({
      _id: d._id,
      rank,
      label: str(d.label),
      label_fr: str(d.label),
      inf: num(d.inf),
      sup: num(d.sup),
      active: bool(d.active),
    });
  });
}

/** Tier label → rank, to turn a user's legacy status label into our status_rank. */
export function rankByLabel(tiers: readonly Record<string, unknown>[]): Map<string, number> {
  const ranks = new Map<string, number>();
  for (const t of tiers) {
    const label = str(t.label).trim().toLowerCase();
    const rank = num(t.rank);
    if (label && rank !== undefined) ranks.set(label, Math.max(rank, ranks.get(label) ?? 0));
  }
  return ranks;
}
