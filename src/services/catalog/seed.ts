/**
 * The catalog a fresh install starts with. Every entry has a fixed _id, so seeding is an
 * insert of missing ids: run it any number of times, from several processes at once, and
 * it never overwrites an operator's edits. Two send-choice ids are hard-coded by Android 1.1
 * (it locks them until the user has invited three friends): the longest future times.
 */
import { Types, type Collection } from 'mongoose';
import { MongoBulkWriteError } from 'mongodb';
import { isOnlyDuplicateKeys } from '../../db/writeErrors';
import { ReceiveLabel, SendChoice, StatusTier } from '../../models/catalog';
import { HOUR_S, DAY_S } from '../../domain/time';

const id = (hex: string) => new Types.ObjectId(hex);
const relative = { time_absolute: false, time_random: false, active: true };

export const SEED_SEND_CHOICES = [
  {
    _id: id('53b95c02edb08c3d6885041a'),
    order_id: 1,
    send_label: 'In one hour',
    send_label_fr: 'Dans une heure',
    time_delay: HOUR_S,
    ...relative,
  },
  {
    _id: id('53b95c02edb08c3d6885041b'),
    order_id: 2,
    send_label: 'Tomorrow',
    send_label_fr: 'Demain',
    time_delay: DAY_S,
    ...relative,
  },
  {
    _id: id('53b95c02edb08c3d6885041c'),
    order_id: 3,
    send_label: 'In one week',
    send_label_fr: 'Dans une semaine',
    time_delay: 7 * DAY_S,
    ...relative,
  },
  {
    _id: id('53b95c02edb08c3d6885041d'),
    order_id: 4,
    send_label: 'In one month',
    send_label_fr: 'Dans un mois',
    time_delay: 30 * DAY_S,
    ...relative,
  },
  {
    _id: id('53b95c02edb08c3d6885041e'),
    order_id: 5,
    send_label: 'In six months',
    send_label_fr: 'Dans six mois',
    time_delay: 182 * DAY_S,
    ...relative,
  },
  {
    _id: id('53b95c02edb08c3d6885041f'),
    order_id: 6,
    send_label: 'In one year',
    send_label_fr: 'Dans un an',
    time_delay: 365 * DAY_S,
    ...relative,
  },
  {
    _id: id('53b95c02edb08c3d68850420'),
    order_id: 7,
    send_label: 'Surprise! (2 to 9 months)',
    send_label_fr: 'Surprise ! (entre 2 et 9 mois)',
    time_delay: 0,
    time_absolute: false,
    time_random: true,
    active: true,
  },
];

/** [inf, sup] in seconds between sending and delivery; past phrasing, then future. */
const label = (n: number, inf: number, sup: number, en: [string, string], fr: [string, string]) => ({
  _id: id(`64a0c0000000000000000${(0x100 + n).toString(16)}`),
  inf,
  sup,
  label: en[0],
  future_label: en[1],
  label_fr: fr[0],
  future_label_fr: fr[1],
  active: true,
});

export const SEED_RECEIVE_LABELS = [
  label(1, 0, 299, ['Sent just now', 'in a few moments'], ["Envoyé à l'instant", 'dans quelques instants']),
  label(2, 300, 5399, ['Sent an hour ago', 'in an hour'], ['Envoyé il y a une heure', 'dans une heure']),
  label(
    3,
    5400,
    43199,
    ['Sent a few hours ago', 'in a few hours'],
    ['Envoyé il y a quelques heures', 'dans quelques heures'],
  ),
  label(4, 43200, 129599, ['Sent yesterday', 'tomorrow'], ['Envoyé hier', 'demain']),
  label(
    5,
    129600,
    475199,
    ['Sent a few days ago', 'in a few days'],
    ['Envoyé il y a quelques jours', 'dans quelques jours'],
  ),
  label(
    6,
    475200,
    1036799,
    ['Sent a week ago', 'in a week'],
    ['Envoyé il y a une semaine', 'dans une semaine'],
  ),
  label(
    7,
    1036800,
    1987199,
    ['Sent a few weeks ago', 'in a few weeks'],
    ['Envoyé il y a quelques semaines', 'dans quelques semaines'],
  ),
  label(8, 1987200, 3887999, ['Sent a month ago', 'in a month'], ['Envoyé il y a un mois', 'dans un mois']),
  label(
    9,
    3888000,
    13147199,
    ['Sent a few months ago', 'in a few months'],
    ['Envoyé il y a quelques mois', 'dans quelques mois'],
  ),
  label(
    10,
    13147200,
    23651999,
    ['Sent six months ago', 'in six months'],
    ['Envoyé il y a six mois', 'dans six mois'],
  ),
  label(11, 23652000, 47303999, ['Sent a year ago', 'in a year'], ['Envoyé il y a un an', 'dans un an']),
  label(
    12,
    47304000,
    1e12,
    ['Sent years ago', 'in a few years'],
    ['Envoyé il y a des années', 'dans quelques années'],
  ),
];

const tier = (rank: number, inf: number, sup: number, en: string, fr: string) => ({
  _id: id(`64a0c0000000000000000${(0x200 + rank).toString(16)}`),
  rank,
  inf,
  sup,
  label: en,
  label_fr: fr,
  active: true,
});

export const SEED_STATUS_TIERS = [
  tier(0, 0, 2, 'Newbie', 'Débutant'),
  tier(1, 3, 9, 'Explorer', 'Explorateur'),
  tier(2, 10, 24, 'Time traveller', 'Voyageur du temps'),
  tier(3, 25, 49, 'Storyteller', 'Conteur'),
  tier(4, 50, 99, 'Time keeper', 'Gardien du temps'),
  tier(5, 100, 1e9, 'Legend', 'Légende'),
];

/** Inserts the documents whose _id is missing; duplicates (seeded before, or by a peer) are skipped. */
async function insertMissing(collection: Collection, docs: readonly object[]): Promise<number> {
  try {
    const res = await collection.insertMany(
      docs.map((d) => ({ ...d })),
      { ordered: false },
    );
    return res.insertedCount;
  } catch (err) {
    if (!isOnlyDuplicateKeys(err)) throw err;
    return err instanceof MongoBulkWriteError ? err.result.insertedCount : 0;
  }
}

export interface SeedResult {
  sendChoices: number;
  receiveLabels: number;
  statusTiers: number;
}

/**
 * Seeds the catalog. `onlyEmpty` (start-up) leaves a collection alone once it has any
 * document, so entries an operator deleted, or an imported catalog, stay as they are;
 * the seed script adds whatever seeded entry is missing.
 */
export async function seedCatalog(options: { onlyEmpty: boolean }): Promise<SeedResult> {
  const seedOne = async (collection: Collection, docs: readonly object[]) => {
    if (options.onlyEmpty && (await collection.findOne({}, { sort: { _id: 1 }, projection: { _id: 1 } }))) {
      return 0;
    }
    return insertMissing(collection, docs);
  };
  const [sendChoices, receiveLabels, statusTiers] = await Promise.all([
    seedOne(SendChoice.collection, SEED_SEND_CHOICES),
    seedOne(ReceiveLabel.collection, SEED_RECEIVE_LABELS),
    seedOne(StatusTier.collection, SEED_STATUS_TIERS),
  ]);
  return { sendChoices, receiveLabels, statusTiers };
}
