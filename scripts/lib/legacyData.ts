/**
 * Documents shaped like the original server's (mongoengine, Python 2) database, for the
 * import tests and for `scripts/seed-legacy.ts`: collection names are the lower-case class
 * names, datetimes are naive UTC, passwords are the SHA-256 hex the apps send.
 */
import { createHash } from 'node:crypto';
import { ObjectId, type Db, type Document } from 'mongodb';
import { DAY_S } from '../../src/domain/time';

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** An ObjectId created at a given time (ids carry their creation time). */
export const idAt = (date: Date) => ObjectId.createFromTime(Math.floor(date.getTime() / 1000));

let counter = 0;

/** A legacy document: loose fields, but always an ObjectId _id as mongoengine gave them. */
export type LegacyRecord = Document & { _id: ObjectId };

export function legacyUser(fields: Document = {}): LegacyRecord {
  counter += 1;
  return {
    _id: new ObjectId(),
    email: `user${counter}@example.com`,
    password_hash: sha256(`password${counter}`),
    active: true,
    created_at: new Date('2014-09-01T10:00:00Z'),
    platform_instance: null,
    status: 'Newbie',
    verification_code: 'AB12',
    phone_mail_sent: false,
    facebook_id: '',
    facebook_name: '',
    facebook_birthday: null,
    country_code: 'us',
    last_log_time: new Date('2015-01-01T10:00:00Z'),
    ...fields,
  };
}

export function legacyInstance(userId: ObjectId, phone: string, fields: Document = {}): LegacyRecord {
  return {
    _id: new ObjectId(),
    is_verified: true,
    verification_code: '',
    phone_num: phone,
    os: 'android',
    app_version: '1.1',
    reg_id: `token-${phone}`,
    user_id: userId,
    status: '',
    ...fields,
  };
}

export function legacyMessage(sender: ObjectId, receiver: ObjectId, fields: Document = {}): LegacyRecord {
  return {
    _id: new ObjectId(),
    created_at: new Date('2015-02-01T10:00:00Z'),
    delivery_time: new Date('2015-03-01T10:00:00Z'),
    is_blocked: false,
    sender_id: sender,
    receiver_id: receiver,
    receiver_phone: '',
    message: 'hello from 2015',
    photo_id: '',
    video_id: '',
    sound_id: '',
    notif_delivered: true,
    receive_label: 'Sent a month ago',
    receive_color: 'ffdc1a',
    version: '1.0',
    ...fields,
  };
}

/** A message to a number without account, as the original stored it: to the sender, blocked. */
export function legacyBottle(sender: ObjectId, phone: string, fields: Document = {}) {
  const message = legacyMessage(sender, sender, {
    receiver_phone: phone,
    is_blocked: true,
    notif_delivered: false,
    ...fields,
  });
  const bottle = { _id: new ObjectId(), message_id: message._id, phone_num: phone, active: true };
  return { message, bottle };
}

export function legacyCatalog(): Record<'send_choice' | 'receive_label' | 'status', Document[]> {
  const choice = (hex: string, order: number, en: string, fr: string, delay: number, random = false) => ({
    _id: new ObjectId(hex),
    active: true,
    order_id: order,
    send_label: en,
    send_label_fr: fr,
    receive_label: '',
    receive_color: '',
    key: hex,
    time_absolute: false,
    time_random: random,
    time_delay: delay,
  });
  const label = (inf: number, sup: number, en: string, fr: string) => ({
    _id: new ObjectId(),
    active: true,
    label: `Sent ${en}`,
    label_fr: `Envoyé ${fr}`,
    future_label: en,
    future_label_fr: fr,
    color: 'ffdc1a',
    inf,
    sup,
  });
  const status = (label: string, inf: number, sup: number) => ({
    _id: new ObjectId(),
    active: true,
    label,
    inf,
    sup,
  });
  return {
    send_choice: [
      choice('53b95c02edb08c3d6885041d', 1, 'In a week', 'Dans une semaine', 7 * DAY_S),
      choice('53b95c02edb08c3d6885041f', 2, 'In a year', 'Dans un an', 365 * DAY_S),
      choice('53b95c02edb08c3d68850420', 3, 'Surprise', 'Surprise', 0, true),
    ],
    receive_label: [
      label(0, 30 * DAY_S, 'soon', 'bientôt'),
      label(30 * DAY_S + 1, 1e10, 'later', 'plus tard'),
    ],
    status: [status('Newbie', 0, 4), status('Time Traveler', 5, 19), status('Time Lord', 20, 1e6)],
  };
}

export async function insertCatalog(db: Db): Promise<void> {
  for (const [name, docs] of Object.entries(legacyCatalog())) await db.collection(name).insertMany(docs);
}
