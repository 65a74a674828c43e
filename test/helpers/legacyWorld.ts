/**
 * One small original database covering every mapping rule of the legacy import: users
 * with and without devices, a shared number, an email that collides after normalisation,
 * delivered, pending, blocked and broken messages, open, claimed and stranded bottles,
 * a truncated address book and the web_app configuration.
 */
import { ObjectId, type Db } from 'mongodb';
import {
  idAt,
  insertCatalog,
  legacyBottle,
  legacyInstance,
  legacyMessage,
  legacyUser,
} from '../../scripts/lib/legacyData';

export const PHONE = {
  alice: '0033600000001',
  bob: '0033600000002',
  shared: '0033600000009',
  nobody: '0033699999999',
};

export function world() {
  const alice = legacyUser({
    email: 'Alice Smith@Example.com',
    status: 'Time Traveler',
    phone_mail_sent: true,
    country_code: 'FR',
  });
  const bob = legacyUser({ email: 'bob@example.com', facebook_birthday: '01/02/1990' });
  const carol = legacyUser({ email: 'carol@example.com' });
  const twin = legacyUser({ email: 'alice smith@example.com' });
  const noEmail = legacyUser({ email: '' });
  const dave = legacyUser({ email: 'dave@example.com', _id: idAt(new Date('2014-01-01Z')) });
  const erin = legacyUser({ email: 'erin@example.com' });
  const instances = [
    legacyInstance(alice._id, PHONE.alice),
    legacyInstance(bob._id, PHONE.bob, { os: 'ios', reg_id: 'a'.repeat(64) }),
    { ...legacyInstance(dave._id, PHONE.shared), _id: idAt(new Date('2014-02-01Z')) },
    { ...legacyInstance(erin._id, PHONE.shared), _id: idAt(new Date('2015-02-01Z')) },
  ];
  for (const [u, i] of [
    [alice, 0],
    [bob, 1],
    [dave, 2],
    [erin, 3],
  ] as const)
    u.platform_instance = instances[i]?._id;
  const m = {
    delivered: legacyMessage(alice._id, bob._id),
    future: legacyMessage(bob._id, alice._id, {
      notif_delivered: false,
      delivery_time: new Date('2030-01-01Z'),
    }),
    overdue: legacyMessage(alice._id, bob._id, { notif_delivered: false }),
    blocked: legacyMessage(bob._id, alice._id, {
      notif_delivered: false,
      is_blocked: true,
      delivery_time: new Date('2030-01-01Z'),
    }),
    now: legacyMessage(alice._id, bob._id, { delivery_time: new Date('2015-02-01T10:00:00Z') }),
    noSender: legacyMessage(alice._id, bob._id, { sender_id: null }),
    noTime: legacyMessage(alice._id, bob._id, { delivery_time: null }),
  };
  const openBottle = legacyBottle(alice._id, PHONE.nobody, { delivery_time: new Date('2030-01-01Z') });
  const claimed = legacyBottle(alice._id, '0033600000005');
  Object.assign(claimed.message, { receiver_id: carol._id, is_blocked: false });
  claimed.bottle.active = false;
  const stranded = legacyBottle(bob._id, PHONE.alice);
  const users = [alice, bob, carol, twin, noEmail, dave, erin];
  const book = {
    _id: new ObjectId(),
    user_id: bob._id,
    need_to_refresh: false,
    is_new: true,
    on_pictever: '[]',
    all_contacts: `[{"tel":"${PHONE.alice}","name":"Alice"},{"tel":"0033612","na`,
  };
  const webApp = {
    _id: new ObjectId(),
    web_app_url: 'http://pictever.herokuapp.com/',
    android_version_needed: '1.1',
    aws_secret_key: 'do-not-print',
    bucket_name: 'pictever-media',
  };
  return {
    alice,
    bob,
    carol,
    twin,
    noEmail,
    dave,
    erin,
    users,
    instances,
    m,
    openBottle,
    claimed,
    stranded,
    book,
    webApp,
  };
}

export type World = ReturnType<typeof world>;

export async function fill(db: Db, w: World): Promise<void> {
  await insertCatalog(db);
  await db.collection('user').insertMany(w.users);
  await db.collection('platform_instance').insertMany(w.instances);
  const bottles = [w.openBottle, w.claimed, w.stranded];
  await db.collection('message').insertMany([...Object.values(w.m), ...bottles.map((b) => b.message)]);
  await db.collection('bottle').insertMany(bottles.map((b) => b.bottle));
  await db.collection('address_book').insertOne(w.book);
  await db.collection('web_app').insertOne(w.webApp);
}
