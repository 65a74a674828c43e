import { AddressBook, AddressBookEntry, User } from '../../src/models';
import { addressBookItemShape, contactItemShape } from '../../src/shapes';
import { buildTestApp, type TestApp } from '../helpers/app';
import { people } from '../helpers/accountFixtures';
import { useTestDatabase } from '../helpers/db';
import { androidBody, createUser, iosBody, loginAgent } from '../helpers/factories';

useTestDatabase();
let t: TestApp;
const { nextPhone, person, upload } = people(() => t.app, '0033650');

beforeAll(() => {
  t = buildTestApp();
});

/** `0033650000012` as French contacts are written: `00336.50.00.00.12`. */
const dotted = (phone: string) => `${phone.slice(0, 5)}.${phone.slice(5).match(/../g)!.join('.')}`;

const CONTACT_KEYS = Object.keys(contactItemShape.shape);
const ITEM_KEYS = Object.keys(addressBookItemShape.shape);

describe('POST /upload_contacts', () => {
  it('when some numbers have accounts then only those come back, all strings, no email or Facebook identity disclosed', async () => {
    const me = await person();
    const bob = await person({ facebookId: 'fb-bob', facebookName: 'Bob Facebook' });
    const carol = await person();
    const unknown = nextPhone();
    const res = await androidBody(me.agent.post('/upload_contacts'), {
      contacts: JSON.stringify([carol.phone, unknown, bob.phone, carol.phone]),
    }).expect(200);
    expect(res.body).toEqual([
      {
        phoneNumber1: carol.phone,
        email: '',
        facebook_id: '',
        facebook_name: '',
        status: expect.any(String),
        user_id: carol.id,
      },
      {
        phoneNumber1: bob.phone,
        email: '',
        facebook_id: '',
        facebook_name: '',
        status: expect.any(String),
        user_id: bob.id,
      },
    ]);
    for (const item of res.body as Record<string, unknown>[]) {
      expect(Object.keys(item)).toEqual(CONTACT_KEYS);
      expect(Object.values(item).every((v) => typeof v === 'string')).toBe(true);
    }
    expect(res.text).not.toContain(bob.email);
    expect(res.text).not.toContain('fb-bob');
    expect(res.text).not.toContain('Bob Facebook');
    expect(await User.findById(bob.id).lean()).toMatchObject({
      facebook_id: 'fb-bob',
      facebook_name: 'Bob Facebook',
    });
  });

  it('when iOS sends a pretty-printed list raw then it is understood', async () => {
    const me = await person();
    const bob = await person();
    const body = `contacts=[\n  "${bob.phone}",\n  "${nextPhone()}"\n]`;
    const res = await iosBody(me.agent.post('/upload_contacts'), body).expect(200);
    expect((res.body as { user_id: string }[]).map((i) => i.user_id)).toEqual([bob.id]);
  });

  it('when 5,000 numbers are sent then the answer comes back promptly', async () => {
    const me = await person();
    const bob = await person();
    const numbers = Array.from({ length: 5_000 }, (_, i) => `0044700${String(i).padStart(6, '0')}`);
    numbers[2_500] = bob.phone!;
    const started = Date.now();
    const res = await androidBody(me.agent.post('/upload_contacts'), {
      contacts: JSON.stringify(numbers),
    }).expect(200);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect((res.body as { user_id: string }[]).map((i) => i.user_id)).toEqual([bob.id]);
  });

  it('when Android sends numbers as formatPhone leaves them then they match, each given back as sent', async () => {
    const me = await person();
    const bob = await person();
    const carol = await person();
    const bobDotted = dotted(bob.phone!);
    const carolPlus = `+${carol.phone!.slice(2, 4)} (${carol.phone!.slice(4)})`;
    const res = await androidBody(me.agent.post('/upload_contacts'), {
      contacts: JSON.stringify([bobDotted, bob.phone, carolPlus, '...', 'n/a', bobDotted]),
    }).expect(200);
    expect(
      (res.body as { phoneNumber1: string; user_id: string }[]).map((i) => [i.phoneNumber1, i.user_id]),
    ).toEqual([
      [bobDotted, bob.id],
      [bob.phone, bob.id],
      [carolPlus, carol.id],
    ]);
  });

  it('when iOS sends raw numbers with direction marks and a slash then they match, given back as sent', async () => {
    const me = await person();
    const bob = await person();
    const carol = await person();
    const bobMarked = `\u202a${bob.phone}\u202c`;
    const carolSlash = `${carol.phone!.slice(0, 6)}/${carol.phone!.slice(6)}`;
    const body = `contacts=[\n  "${bobMarked}",\n  "${carolSlash}",\n  "${nextPhone()}"\n]`;
    const res = await iosBody(me.agent.post('/upload_contacts'), body).expect(200);
    expect(
      (res.body as { phoneNumber1: string; user_id: string }[]).map((i) => [i.phoneNumber1, i.user_id]),
    ).toEqual([
      [bobMarked, bob.id],
      [carolSlash, carol.id],
    ]);
  });

  it('when the list holds non-numbers then they are skipped', async () => {
    const me = await person();
    const bob = await person();
    const res = await androidBody(me.agent.post('/upload_contacts'), {
      contacts: JSON.stringify([null, { a: 1 }, 'abc', bob.phone]),
    }).expect(200);
    expect(res.body).toHaveLength(1);
  });

  it('when nobody matches then the answer is an empty list', async () => {
    const me = await person();
    const res = await androidBody(me.agent.post('/upload_contacts'), { contacts: '[]' }).expect(200);
    expect(res.body).toEqual([]);
  });

  it.each([
    [{}, 'missing field contacts'],
    [{ contacts: '' }, 'invalid field contacts'],
    [{ contacts: '["0033611' }, 'invalid field contacts: not JSON'],
    [{ contacts: '{"a":1}' }, 'invalid field contacts: not a JSON list'],
  ])('when the form is %j then 400', async (fields, reason) => {
    const me = await person();
    const res = await androidBody(me.agent.post('/upload_contacts'), fields).expect(400);
    expect(res.text).toContain(reason);
  });
});

describe('upload_address_book and get_address_book', () => {
  it('when nothing was ever uploaded then get_address_book is an empty 200', async () => {
    const me = await person();
    const res = await me.agent.get('/get_address_book').expect(200);
    expect(res.text).toBe('');
  });

  it('when a book is uploaded then get_address_book lists its contacts on Pictever with every key, all strings, no identity', async () => {
    const me = await person();
    const bob = await person({ facebookId: 'fb-b', facebookName: 'Bob FB' });
    const carol = await person();
    const res = await upload(me, [
      { tel: bob.phone!, name: 'Bob B' },
      { tel: nextPhone(), name: 'Not on Pictever' },
      { tel: carol.phone!, name: 'Carol' },
      { tel: bob.phone!, name: 'Bob again' },
    ]).expect(200);
    expect(res.text).toBe('');
    const book = await me.agent.get('/get_address_book').expect(200);
    expect(book.body).toEqual([
      {
        name: 'Bob B',
        phoneNumber1: bob.phone,
        user_id: bob.id,
        status: expect.any(String),
        email: '',
        facebook_id: '',
        facebook_name: '',
      },
      {
        name: 'Carol',
        phoneNumber1: carol.phone,
        user_id: carol.id,
        status: expect.any(String),
        email: '',
        facebook_id: '',
        facebook_name: '',
      },
    ]);
    for (const item of book.body as Record<string, unknown>[]) {
      expect(Object.keys(item)).toEqual(ITEM_KEYS);
      expect(Object.values(item).every((v) => typeof v === 'string')).toBe(true);
    }
    expect(book.text).not.toContain('fb-b');
    expect(book.text).not.toContain('Bob FB');
    expect(await AddressBookEntry.countDocuments({ owner_id: me.id })).toBe(3);
  });

  it("when a book mixes the apps' number formats then contacts match, stored in 00 form, given back as sent", async () => {
    const me = await person();
    const bob = await person();
    const carol = await person();
    const bobDotted = dotted(bob.phone!);
    const carolMarked = `\u200e${carol.phone}`;
    await upload(me, [
      { tel: bobDotted, name: 'Bob' },
      { tel: carolMarked, name: 'Carol' },
      { tel: 'n/a', name: 'No number' },
      { tel: bob.phone!, name: 'Bob twice' },
    ]).expect(200);
    // Names are encrypted at rest: sorted once read.
    const stored = (await AddressBookEntry.find({ owner_id: me.id }).lean()).sort((a, b) =>
      a.name.localeCompare(b.name),
    );
    expect(stored.map((e) => [e._id, e.tel, e.sent])).toEqual([
      [`${me.id}:${bob.phone}`, bob.phone, bobDotted],
      [`${me.id}:${carol.phone}`, carol.phone, carolMarked],
    ]);
    const book = await me.agent.get('/get_address_book').expect(200);
    expect(
      (book.body as { phoneNumber1: string; user_id: string }[]).map((i) => [i.phoneNumber1, i.user_id]),
    ).toEqual([
      [bobDotted, bob.id],
      [carolMarked, carol.id],
    ]);

    // The same book written cleanly later: the entries follow the new form.
    await upload(me, [
      { tel: bob.phone!, name: 'Bob' },
      { tel: carol.phone!, name: 'Carol' },
    ]).expect(200);
    const again = await me.agent.get('/get_address_book').expect(200);
    expect((again.body as { phoneNumber1: string }[]).map((i) => i.phoneNumber1)).toEqual([
      bob.phone,
      carol.phone,
    ]);
    expect(await AddressBookEntry.countDocuments({ owner_id: me.id, sent: { $exists: true } })).toBe(0);
  });

  it('when a contact joins Pictever after the upload then get_address_book shows them at once', async () => {
    const me = await person();
    const later = nextPhone();
    await upload(me, [{ tel: later, name: 'Later' }]).expect(200);
    expect((await me.agent.get('/get_address_book').expect(200)).body).toEqual([]);
    const joiner = await person({ phone: false });
    await androidBody(joiner.agent.post('/define_first_phone_number'), {
      phone_number: later,
      os: 'ios',
      reg_id: '',
    }).expect(200);
    const book = await me.agent.get('/get_address_book').expect(200);
    expect((book.body as { user_id: string }[]).map((i) => i.user_id)).toEqual([joiner.id]);
  });

  it('when a book is uploaded again then it replaces the old one (removed, renamed, added)', async () => {
    const me = await person();
    const [a, b, c] = [await person(), await person(), await person()];
    await upload(me, [
      { tel: a.phone!, name: 'A' },
      { tel: b.phone!, name: 'B' },
    ]).expect(200);
    await upload(me, [
      { tel: b.phone!, name: 'B renamed' },
      { tel: c.phone!, name: 'C' },
    ]).expect(200);
    const book = await me.agent.get('/get_address_book').expect(200);
    expect((book.body as { name: string }[]).map((i) => i.name)).toEqual(['B renamed', 'C']);
    expect(await AddressBookEntry.countDocuments({ owner_id: me.id })).toBe(2);
  });

  it('when iOS sends a raw body cut by an & in a name then the entries before the cut are kept', async () => {
    const me = await person();
    const bob = await person();
    const tom = await person();
    const raw = `address_book=[{"tel":"${bob.phone}","name":"Bob"},{"tel":"${tom.phone}","name":"Tom & Jerry"},{"tel":"${nextPhone()}","name":"X"}]`;
    await iosBody(me.agent.post('/upload_address_book'), raw).expect(200);
    const book = await me.agent.get('/get_address_book').expect(200);
    expect((book.body as { name: string }[]).map((i) => i.name)).toEqual(['Bob', 'Tom']);
  });

  it('when the upload is an empty list then the book is empty, not absent', async () => {
    const me = await person();
    await androidBody(me.agent.post('/upload_address_book'), { address_book: '[]' }).expect(200);
    const res = await me.agent.get('/get_address_book').expect(200);
    expect(res.body).toEqual([]);
  });

  it.each([
    [{}, 'missing field address_book'],
    [{ address_book: '' }, 'invalid field address_book'],
    [{ address_book: 'not a book at all' }, 'invalid field address_book'],
  ])('when the form is %j then 400 and nothing is stored', async (fields, reason) => {
    const me = await person();
    const res = await androidBody(me.agent.post('/upload_address_book'), fields).expect(400);
    expect(res.text).toContain(reason);
    expect(await AddressBook.countDocuments({ _id: me.id })).toBe(0);
    expect(await AddressBookEntry.countDocuments({ owner_id: me.id })).toBe(0);
    expect((await me.agent.get('/get_address_book').expect(200)).text).toBe('');
  });

  it('when the body is over the size limit then 413 and nothing is stored', async () => {
    const me = await person();
    const res = await androidBody(me.agent.post('/upload_address_book'), {
      address_book: `[${'x'.repeat(7 * 1024 * 1024)}]`,
    });
    expect(res.status).toBe(413);
    expect(await AddressBook.countDocuments({ _id: me.id })).toBe(0);
  });

  it('when a 5 MB book arrives then it is accepted and stored', async () => {
    const me = await person();
    const bob = await person();
    const entries = Array.from({ length: 5_000 }, (_, i) => ({
      tel: `0049170${String(i).padStart(6, '0')}`,
      name: `Contact ${i} ${'z'.repeat(1_000)}`,
    }));
    entries[10] = { tel: bob.phone!, name: 'Bob' };
    const body = JSON.stringify(entries);
    expect(body.length).toBeGreaterThan(5_000_000);
    await androidBody(me.agent.post('/upload_address_book'), { address_book: body }).expect(200);
    expect(await AddressBookEntry.countDocuments({ owner_id: me.id })).toBe(5_000);
    const book = await me.agent.get('/get_address_book').expect(200);
    expect((book.body as { user_id: string }[]).map((i) => i.user_id)).toEqual([bob.id]);
  }, 60_000);

  it('when a book has more numbers than the configured maximum then the first ones are kept', async () => {
    const small = buildTestApp({ ADDRESS_BOOK_MAX_ENTRIES: '3' });
    const u = await createUser({ phone: nextPhone() });
    const agent = await loginAgent(small.app, u.email, u.password);
    const entries = Array.from({ length: 5 }, (_, i) => ({
      tel: `0049171${String(i).padStart(6, '0')}`,
      name: `N${i}`,
    }));
    await androidBody(agent.post('/upload_address_book'), { address_book: JSON.stringify(entries) }).expect(
      200,
    );
    const stored = await AddressBookEntry.find({ owner_id: u.id }).lean();
    expect(stored.map((e) => e.name).sort()).toEqual(['N0', 'N1', 'N2']);
  });
});
