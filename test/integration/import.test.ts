import bcrypt from 'bcrypt';
import { type Document, type ObjectId } from 'mongodb';
import { formatReport, type ImportReport } from '../../scripts/import/report';
import { storedKeyId } from '../../src/crypto/codec';
import { AddressBookEntry, Message } from '../../src/models';
import { testKeyring } from '../helpers/dataKeys';
import { IMPORT_NOW, statsOf, useFirstImport } from '../helpers/importFixtures';
import { PHONE, type World } from '../helpers/legacyWorld';

const { target, firstImport } = useFirstImport();
const NOW = IMPORT_NOW;
const stats = statsOf;
const find = (coll: string, id: unknown) =>
  target()
    .collection(coll)
    .findOne({ _id: id as ObjectId });

let w: World;
let first: ImportReport;

beforeAll(() => ({ w, first } = firstImport()));

describe('legacy import', () => {
  it('when the import completes then every collection is done and counted', () => {
    expect(first.interrupted).toBe(false);
    expect(stats(first, 'user')).toMatchObject({
      status: 'done',
      read: 7,
      inserted: 5,
      present: 0,
      skipped: 2,
    });
    expect(stats(first, 'message')).toMatchObject({ status: 'done', read: 10, inserted: 8, skipped: 2 });
    expect(stats(first, 'address_book')).toMatchObject({ status: 'done', read: 1, inserted: 1 });
    expect(stats(first, 'send_choice')).toMatchObject({ read: 3, inserted: 3 });
  });

  it('when a user is imported then its id, normalised email, bcrypt of the legacy password, device and rank are kept', async () => {
    const alice = await find('users', w.alice._id);
    expect(alice).toMatchObject({
      email: 'alice+smith@example.com',
      country_code: 'fr',
      created_at: w.alice.created_at,
      last_login: w.alice.last_log_time,
      status_rank: 1,
      device: { phone: PHONE.alice, os: 'android', reg_id: `token-${PHONE.alice}`, app_version: '1.1' },
    });
    // What signup stores: bcrypt of the hex the apps send; the hex itself is not stored.
    expect(alice).not.toHaveProperty('legacy_password');
    expect(alice!.password).toMatch(/^\$2b\$04\$/);
    expect(await bcrypt.compare(w.alice.password_hash as string, alice!.password as string)).toBe(true);
    expect(JSON.stringify(await target().collection('users').find({}).toArray())).not.toContain(
      w.alice.password_hash as string,
    );
    expect(alice).not.toHaveProperty('verification_code');
    expect(await find('phone_owners', PHONE.alice)).toMatchObject({ user_id: w.alice._id });
    expect(await find('users', w.carol._id)).not.toHaveProperty('device');
  });

  it("when the original already sent the no-phone reminder then the worker's once-only key exists", async () => {
    expect(await find('job_runs', `reminder:${w.alice._id.toHexString()}`)).toMatchObject({
      kind: 'reminder',
    });
    expect(await find('job_runs', `reminder:${w.bob._id.toHexString()}`)).toBeNull();
  });

  it('when two users had the same number then the newer device keeps it and the other is reported', async () => {
    expect(await find('phone_owners', PHONE.shared)).toMatchObject({ user_id: w.erin._id });
    expect((await find('users', w.erin._id))?.device).toMatchObject({ phone: PHONE.shared });
    expect(await find('users', w.dave._id)).not.toHaveProperty('device');
    const note = [...stats(first, 'user').notes].find(([k]) => k.startsWith('phone number claimed'));
    expect(note?.[1]).toEqual({ count: 1, examples: [w.dave._id.toHexString()] });
  });

  it('when emails collide after normalisation or are missing then those users are reported with ids', () => {
    const reasons = stats(first, 'user').reasons;
    expect(reasons.get('email already used by another account (after normalisation)')?.examples).toEqual([
      w.twin._id.toHexString(),
    ]);
    expect(reasons.get('no email')?.examples).toEqual([w.noEmail._id.toHexString()]);
  });

  it('when messages are imported then ids, texts, times and states are kept', async () => {
    const stored = await find('messages', w.m.delivered._id);
    // Encrypted as it was copied, under the first data key; the model reads it back plain.
    expect(storedKeyId(String(stored?.message))).toBe(testKeyring().current.id);
    expect((await Message.findById(w.m.delivered._id).lean())?.message).toBe('hello from 2015');
    expect(stored).toMatchObject({
      sender_id: w.alice._id,
      receiver_id: w.bob._id,
      created_at: w.m.delivered.created_at,
      delivery_time: w.m.delivered.delivery_time,
      blocked: false,
      send_now: false,
      receive_label: 'Sent a month ago',
      receive_color: 'ffdc1a',
      version: '1.0',
    });
    expect(await find('messages', w.m.blocked._id)).toMatchObject({ blocked: true });
    // Pending is the delivery time (nothing stored for it): no state field is written.
    expect(await find('messages', w.m.future._id)).not.toHaveProperty('state');
    expect(await find('messages', w.m.now._id)).toMatchObject({ send_now: true });
  });

  it('when messages are still undelivered then exactly their pushes are scheduled', async () => {
    // Due soon or overdue in push_jobs, later ones in push_schedule (as the web queues them).
    const near = await target().collection('push_jobs').find({}).toArray();
    const later = await target().collection('push_schedule').find({}).toArray();
    expect(later.map((j: Document) => String(j.message_id))).toEqual([String(w.m.future._id)]);
    const jobs = [...near, ...later];
    const seen = jobs.map((j: Document) => [String(j.message_id), String(j.user_id), j.due_at]).sort();
    const expected = [
      [String(w.m.overdue._id), String(w.bob._id), w.m.overdue.delivery_time],
      [String(w.claimed.message._id), String(w.carol._id), w.claimed.message.delivery_time],
      [String(w.stranded.message._id), String(w.alice._id), NOW],
      [String(w.m.future._id), String(w.alice._id), w.m.future.delivery_time],
    ];
    expect(seen).toEqual(expected.sort());
    expect(jobs.every((j: Document) => j.kind === 'message')).toBe(true);
  });

  it('when a bottle is open, claimed or its number has an owner then it is converted accordingly', async () => {
    expect(await find('messages', w.openBottle.message._id)).toMatchObject({
      receiver_id: null,
      receiver_phone: PHONE.nobody,
      blocked: false,
    });
    expect(await find('messages', w.claimed.message._id)).toMatchObject({
      receiver_id: w.carol._id,
      blocked: false,
    });
    expect(await find('messages', w.stranded.message._id)).toMatchObject({
      receiver_id: w.alice._id,
      delivery_time: NOW,
      blocked: false,
    });
  });

  it('when a message cannot be converted then it is reported with its id and why', () => {
    const reasons = stats(first, 'message').reasons;
    expect(reasons.get('no sender_id')?.examples).toEqual([String(w.m.noSender._id)]);
    expect(reasons.get('no delivery_time')?.examples).toEqual([String(w.m.noTime._id)]);
  });

  it('when the catalog is imported then ids are kept and unedited seeds give way', async () => {
    const choices = await target().collection('send_choices').find({}).sort({ order_id: 1 }).toArray();
    expect(choices.map((c: Document) => [String(c._id), c.send_label])).toEqual([
      ['53b95c02edb08c3d6885041a', 'Edited'],
      ['53b95c02edb08c3d6885041d', 'In a week'],
      ['53b95c02edb08c3d6885041f', 'In a year'],
      ['53b95c02edb08c3d68850420', 'Surprise'],
    ]);
    const tiers = await target().collection('status_tiers').find({}).sort({ rank: 1 }).toArray();
    expect(tiers.map((t: Document) => t.label)).toEqual(['Newbie', 'Time Traveler', 'Time Lord']);
  });

  it('when an address book is imported then each readable contact is an entry', async () => {
    const entries = await target().collection('address_book_entries').find({}).toArray();
    expect(entries).toEqual([
      {
        _id: `${w.bob._id.toHexString()}:${PHONE.alice}`,
        owner_id: w.bob._id,
        tel: PHONE.alice,
        name: expect.stringMatching(/^enc1:test1:/) as unknown,
        uploaded_at: w.book._id.getTimestamp(),
      },
    ]);
    expect(JSON.stringify(entries)).not.toContain('Alice');
    expect((await AddressBookEntry.find({}).lean()).map((e) => e.name)).toEqual(['Alice']);
  });

  it('when the report is printed then web_app values are suggested without secrets', () => {
    const text = formatReport(first);
    expect(text).toContain('PUBLIC_URL=http://pictever.herokuapp.com/');
    expect(text).toContain('S3_BUCKET_NAME=pictever-media');
    expect(text).toContain('withheld (secret-looking): aws_secret_key');
    expect(text).not.toContain('do-not-print');
  });
});
