import bcrypt from 'bcrypt';
import { ObjectId } from 'mongodb';
import { normaliseEmail } from '../../src/domain/email';
import { normalisePhone } from '../../src/domain/phone';
import { parseAddressBook } from '../../src/domain/addressBook';
import { mapAddressBook } from '../../scripts/import/addressBooks';
import { mapReceiveLabel, mapSendChoice, mapStatusTiers, rankByLabel } from '../../scripts/import/catalog';
import { mapMessage } from '../../scripts/import/messages';
import { hashPasswords } from '../../scripts/import/passwords';
import { mapUser, type UserMapContext } from '../../scripts/import/users';
import { bool, date, oid, type Mapped } from '../../scripts/import/values';
import { suggestedConfig } from '../../scripts/import/webApp';

const oidAt = (iso: string) => ObjectId.createFromTime(Date.parse(iso) / 1000);
const value = <T>(m: Mapped<T>): T => {
  if (!m.ok) throw new Error(`not converted: ${m.reason}`);
  return m.value;
};
const reason = <T>(m: Mapped<T>): string => (m.ok ? 'converted' : m.reason);

const userCtx: UserMapContext = {
  normaliseEmail,
  normalisePhone: (raw) => normalisePhone(raw) ?? '',
  ranks: new Map([
    ['newbie', 0],
    ['explorer', 1],
  ]),
};

describe('legacy values', () => {
  it('when booleans come as numbers or text then they are read as booleans', () => {
    expect([bool(1), bool(0), bool('True'), bool(undefined, true), bool(null)]).toEqual([
      true,
      false,
      true,
      true,
      false,
    ]);
  });

  it('when a naive datetime comes as text then it is read as UTC', () => {
    expect(date('2014-10-10 12:00:00')?.toISOString()).toBe('2014-10-10T12:00:00.000Z');
    expect(date('not a date')).toBeUndefined();
  });

  it('when a reference is 24 hex digits then it is an ObjectId, else undefined', () => {
    expect(oid('53b95c02edb08c3d6885041f')?.toHexString()).toBe('53b95c02edb08c3d6885041f');
    expect(oid('nope')).toBeUndefined();
  });
});

describe('legacy user mapping', () => {
  const instance = {
    _id: oidAt('2014-09-01T00:00:00Z'),
    phone_num: '0033612345678',
    os: 'android',
    reg_id: 'tok',
    app_version: '1.1',
  };
  const legacy = {
    _id: new ObjectId(),
    email: ' Jo Doe@X.com ',
    password_hash: 'a'.repeat(64),
    created_at: new Date('2014-08-01T10:00:00Z'),
    status: 'Explorer',
    country_code: 'FR',
    phone_mail_sent: true,
    facebook_birthday: null,
  };

  it('when a user has a device then id, normalised email, legacy password, device and rank are kept', () => {
    const m = value(mapUser(legacy, instance, userCtx));
    // The hex goes to the pass to be hashed; it is never part of the document.
    expect(m.legacyHex).toBe('a'.repeat(64));
    expect(m.doc).not.toHaveProperty('legacy_password');
    expect(m.doc).toMatchObject({
      _id: legacy._id,
      email: 'jo+doe@x.com',
      country_code: 'fr',
      created_at: legacy.created_at,
      facebook_birthday: '',
      status_rank: 1,
      device: { phone: '0033612345678', os: 'android', reg_id: 'tok', app_version: '1.1' },
    });
    expect(m.doc).not.toHaveProperty('password');
    expect(m.phone).toEqual({ phone: '0033612345678', claimedAt: new Date('2014-09-01T00:00:00Z') });
    expect(m.reminderSent).toBe(true);
  });

  it('when the users are written then each legacy hex becomes its bcrypt hash, a few at a time', async () => {
    const users = Array.from({ length: 7 }, (_v, i) =>
      value(
        mapUser({ ...legacy, _id: new ObjectId(), password_hash: `${i}`.repeat(64) }, undefined, userCtx),
      ),
    );
    const noPassword = value(mapUser({ ...legacy, password_hash: '' }, undefined, userCtx));
    await hashPasswords([...users, noPassword], 4, 3);
    for (const [i, u] of users.entries()) {
      expect(u.legacyHex).toBeUndefined();
      expect(await bcrypt.compare(`${i}`.repeat(64), u.doc.password!)).toBe(true);
    }
    expect(noPassword.doc).not.toHaveProperty('password');
  });

  it('when the status label is unknown then rank 0 and a note', () => {
    const m = value(mapUser({ ...legacy, status: 'Wizard' }, undefined, userCtx));
    expect(m.doc.status_rank).toBe(0);
    expect(m.notes).toContain('unknown status label');
    expect(m.doc).not.toHaveProperty('device');
  });

  it('when the push token is "(null)" then the device has no token', () => {
    const m = value(mapUser(legacy, { ...instance, reg_id: '(null)' }, userCtx));
    expect(m.doc.device).toMatchObject({ reg_id: '' });
  });

  it('when the device has no usable number then the user is imported without device', () => {
    const m = value(mapUser(legacy, { ...instance, phone_num: 'abc' }, userCtx));
    expect(m.doc).not.toHaveProperty('device');
    expect(m.phone).toBeUndefined();
    expect(m.notes).toContain('device phone number unusable');
  });

  it('when a user has no email then it cannot be converted', () => {
    expect(reason(mapUser({ ...legacy, email: '  ' }, undefined, userCtx))).toBe('no email');
    expect(reason(mapUser({ ...legacy, _id: 'x' }, undefined, userCtx))).toBe('_id is not an ObjectId');
  });
});

describe('legacy message mapping', () => {
  const now = new Date('2025-01-01T00:00:00Z');
  const phones = { normalisePhone: userCtx.normalisePhone };
  const sender = new ObjectId();
  const receiver = new ObjectId();
  const base = {
    _id: new ObjectId(),
    sender_id: sender,
    receiver_id: receiver,
    created_at: new Date('2014-10-01T00:00:00Z'),
    delivery_time: new Date('2026-10-01T00:00:00Z'),
    is_blocked: false,
    notif_delivered: false,
    message: 'hi',
    photo_id: null,
    receive_label: 'Sent years ago',
    receive_color: 'ffdc1a',
  };

  it('when a message is undelivered then it is pending with a push job due at its delivery time', () => {
    const m = value(mapMessage(base, { now, ...phones }));
    expect(m.doc).toMatchObject({
      _id: base._id,
      receiver_id: receiver,
      blocked: false,
      send_now: false,
      photo_id: '',
      version: '1.0',
    });
    expect(m.job).toEqual({
      _id: base._id,
      kind: 'message',
      user_id: receiver,
      message_id: base._id,
      label: 'Sent years ago',
      due_at: base.delivery_time,
      created_at: now,
    });
    expect(m.doc).not.toHaveProperty('state'); // pending is the delivery time
  });

  it('when a message was pushed or is blocked then no push job', () => {
    const delivered = value(mapMessage({ ...base, notif_delivered: true }, { now, ...phones }));
    expect(delivered.job).toBeUndefined();
    expect(value(mapMessage({ ...base, is_blocked: true }, { now, ...phones })).job).toBeUndefined();
  });

  it('when delivery is at or before creation then it is a send-now message', () => {
    const m = value(mapMessage({ ...base, delivery_time: base.created_at }, { now, ...phones }));
    expect(m.doc.send_now).toBe(true);
  });

  const bottleMsg = { ...base, receiver_id: sender, receiver_phone: '0033611111111', is_blocked: true };

  it('when a bottle is active then it becomes a bottle: no receiver, the number, not blocked, no push', () => {
    const bottle = { _id: new ObjectId(), message_id: base._id, phone_num: '0033611111111', active: true };
    const m = value(mapMessage(bottleMsg, { bottle, now, ...phones }));
    expect(m.doc).toMatchObject({
      receiver_id: null,
      receiver_phone: '0033611111111',
      blocked: false,
    });
    expect(m.job).toBeUndefined();
  });

  it('when an active bottle number already has an owner then the owner gets it, due now if overdue', () => {
    const owner = new ObjectId();
    const bottle = { message_id: base._id, phone_num: '0033611111111', active: true };
    const overdue = { ...bottleMsg, delivery_time: new Date('2015-01-01T00:00:00Z') };
    const m = value(mapMessage(overdue, { bottle, bottleOwner: owner, now, ...phones }));
    expect(m.doc).toMatchObject({ receiver_id: owner, delivery_time: now, blocked: false });
    expect(m.job).toMatchObject({ user_id: owner, due_at: now });
    expect(m.note).toBe('active bottle given to the owner of its number');
  });

  it('when an active bottle number was stored as typed then the bottle waits for its 00 form', () => {
    const bottle = { message_id: base._id, phone_num: '+33 6.11.11.11.11', active: true };
    expect(value(mapMessage(bottleMsg, { bottle, now, ...phones })).doc.receiver_phone).toBe('0033611111111');
    const unusable = { ...bottle, phone_num: 'n/a' };
    expect(
      reason(mapMessage({ ...bottleMsg, receiver_phone: '' }, { bottle: unusable, now, ...phones })),
    ).toBe('active bottle without usable phone number');
  });

  it('when a bottle was claimed then the message is a normal one', () => {
    const claimer = new ObjectId();
    const claimed = { ...bottleMsg, receiver_id: claimer, is_blocked: false };
    const m = value(mapMessage(claimed, { bottle: { message_id: base._id, active: false }, now, ...phones }));
    expect(m.doc).toMatchObject({ receiver_id: claimer, blocked: false, receiver_phone: '0033611111111' });
    expect(m.job?.user_id).toEqual(claimer);
  });

  it('when required fields are missing then it cannot be converted, with the reason', () => {
    expect(reason(mapMessage({ ...base, sender_id: null }, { now, ...phones }))).toBe('no sender_id');
    expect(reason(mapMessage({ ...base, delivery_time: 'x' }, { now, ...phones }))).toBe('no delivery_time');
    expect(reason(mapMessage({ ...base, receiver_id: undefined }, { now, ...phones }))).toBe(
      'no receiver_id',
    );
  });
});

describe('legacy catalog mapping', () => {
  it('when send choices are mapped then ids are kept and unused fields dropped', () => {
    const id = new ObjectId('53b95c02edb08c3d6885041f');
    const m = value(
      mapSendChoice({
        _id: id,
        order_id: '6',
        send_label: 'In a year',
        time_delay: 31536000,
        key: 'x',
        receive_color: 'f',
      }),
    );
    expect(m).toEqual({
      _id: id,
      order_id: 6,
      send_label: 'In a year',
      send_label_fr: 'In a year',
      active: false,
      time_delay: 31536000,
      time_absolute: false,
      time_random: false,
    });
  });

  it('when status tiers are mapped then ranks follow inf, and labels give ranks', () => {
    const tiers = mapStatusTiers([
      { _id: 1, label: 'Pro', inf: 10, sup: 99, active: true },
      { _id: 2, label: 'Newbie', inf: 0, sup: 9, active: true },
      { _id: 3, label: 'Broken', inf: 'x', sup: 1 },
    ]);
    expect(tiers.map((t) => (t.ok ? t.value.rank : t.reason))).toEqual([1, 0, 'inf or sup is not a number']);
    expect(rankByLabel(tiers.flatMap((t) => (t.ok ? [t.value] : [])))).toEqual(
      new Map([
        ['pro', 1],
        ['newbie', 0],
      ]),
    );
  });

  it('when a receive label lacks bounds then it cannot be converted', () => {
    expect(reason(mapReceiveLabel({ _id: 1, label: 'x' }))).toBe('inf or sup is not a number');
  });
});

describe('legacy address book mapping', () => {
  const parseContacts = (text: string) => parseAddressBook(text).contacts;

  it('when the contacts text is truncated then what parses becomes one entry per number', () => {
    const owner = new ObjectId();
    const d = {
      _id: oidAt('2014-11-01T00:00:00Z'),
      user_id: owner,
      all_contacts:
        '[{"tel":"0033611111111","name":"Ann"},{"tel":"0033611111111","name":"Ann"},{"tel":"0044","na',
    };
    expect(value(mapAddressBook(d, { parseContacts }))).toEqual([
      {
        _id: `${owner.toHexString()}:0033611111111`,
        owner_id: owner,
        tel: '0033611111111',
        name: 'Ann',
        uploaded_at: new Date('2014-11-01T00:00:00Z'),
      },
    ]);
  });

  it('when the owner is missing then it cannot be converted', () => {
    expect(reason(mapAddressBook({ _id: 1, all_contacts: '[]' }, { parseContacts }))).toBe('no user_id');
  });
});

describe('web_app configuration', () => {
  it('when suggested then known fields are renamed and secret-looking ones withheld', () => {
    const s = suggestedConfig({
      _id: 1,
      web_app_url: 'http://old.example/',
      ios_version_needed: '2.0',
      bucket_name: 'media',
      aws_secret_access_key: 'AKIA',
      api_token: 't',
      note: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    });
    expect(s.vars.map((v) => `${v.name}=${v.value}`)).toEqual([
      'PUBLIC_URL=http://old.example/',
      'IOS_VERSION_NEEDED=2.0',
      'S3_BUCKET_NAME=media',
    ]);
    expect(s.withheld).toEqual(['aws_secret_access_key', 'api_token', 'note']);
  });
});
