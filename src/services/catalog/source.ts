/**
 * Reads the catalog (send choices, receive labels, status tiers) from the database. Each
 * web process keeps it for CATALOG_CACHE_SECONDS, so a send does not pay three reads, and
 * an operator's edit is seen within that time without a restart. Contact lists are the
 * exception: they read the status tiers alone at every request (loadStatusTiers).
 */
import type { Catalog, ReceiveLabelRule, SendChoiceRule, StatusTierRule } from '../../domain/catalogRules';
import type { Model } from 'mongoose';
import { ReceiveLabel, SendChoice, StatusTier } from '../../models/catalog';

export interface CatalogSource {
  get(): Promise<Catalog>;
}

type Loose = Record<string, unknown>;
const num = (v: unknown, def = 0): number => (typeof v === 'number' && Number.isFinite(v) ? v : def);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const optNum = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

// Imported or hand-edited documents may lack fields: read them leniently.
function toSendChoice(d: Loose): SendChoiceRule {
  return {
    id: String(d._id),
    order_id: num(d.order_id),
    send_label: str(d.send_label),
    send_label_fr: str(d.send_label_fr),
    active: d.active === true,
    time_delay: num(d.time_delay),
    time_absolute: d.time_absolute === true,
    time_random: d.time_random === true,
    random_min: optNum(d.random_min),
    random_max: optNum(d.random_max),
  };
}

const ranged = (d: Loose) => ({ inf: num(d.inf), sup: num(d.sup), active: d.active === true });

function toReceiveLabel(d: Loose): ReceiveLabelRule {
  return {
    label: str(d.label),
    label_fr: str(d.label_fr),
    future_label: str(d.future_label),
    future_label_fr: str(d.future_label_fr),
    ...ranged(d),
  };
}

function toStatusTier(d: Loose): StatusTierRule {
  return { rank: num(d.rank), label: str(d.label), label_fr: str(d.label_fr), ...ranged(d) };
}

/**
 * One catalog collection, whole (it is small), in order, read leniently: through the
 * raw collection, since imported or edited documents need not match the schema.
 */
async function readAll<T>(
  model: Pick<Model<unknown>, 'collection'>,
  sort: Record<string, 1>,
  toRule: (d: Loose) => T,
): Promise<T[]> {
  const docs = await model.collection.find({}, { sort }).toArray();
  return docs.map(toRule);
}

/** The status tiers alone (one small read), for naming many users at once. */
export const loadStatusTiers = () => readAll(StatusTier, { rank: 1 }, toStatusTier);

/** The whole catalog: three small reads in parallel. */
export async function loadCatalog(): Promise<Catalog> {
  const [sendChoices, receiveLabels, statusTiers] = await Promise.all([
    readAll(SendChoice, { order_id: 1 }, toSendChoice),
    readAll(ReceiveLabel, { inf: 1 }, toReceiveLabel),
    loadStatusTiers(),
  ]);
  return { sendChoices, receiveLabels, statusTiers };
}

/**
 * The catalog, re-read at most every `ttlSeconds` (0: at every call). Concurrent callers
 * share one load; a failed load is not kept.
 */
export function catalogSource(ttlSeconds: number, clock: () => number = Date.now): CatalogSource {
  let cached: { at: number; value: Promise<Catalog> } | undefined;
  return {
    get() {
      const t = clock();
      if (!cached || t - cached.at >= ttlSeconds * 1000) {
        const value = loadCatalog();
        const entry = { at: t, value };
        cached = entry;
        value.catch(() => {
          if (cached === entry) cached = undefined;
        });
      }
      return cached.value;
    },
  };
}
