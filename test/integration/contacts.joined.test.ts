import { AddressBookEntry, PushJob, User } from '../../src/models';
import { buildTestApp, type TestApp } from '../helpers/app';
import { people } from '../helpers/accountFixtures';
import { useTestDatabase } from '../helpers/db';
import { androidBody } from '../helpers/factories';

useTestDatabase();
let t: TestApp;
const { nextPhone, person, upload } = people(() => t.app, '0033651');

beforeAll(() => {
  t = buildTestApp();
});

describe('"joined Pictever" pushes', () => {
  it('when a user’s first book holds contacts who saved them then each such contact gets a push, with their name for the user, in their language', async () => {
    const alice = await person();
    const bob = await person({ countryCode: 'fr' });
    const dave = await person({ countryCode: 'us' });
    const carol = await person(); // saved Alice, but Alice did not save Carol: no push
    await upload(bob, [{ tel: alice.phone!, name: 'Ally' }]).expect(200);
    await upload(dave, [{ tel: alice.phone!, name: 'Al' }]).expect(200);
    await upload(carol, [{ tel: alice.phone!, name: 'Alice C' }]).expect(200);
    await PushJob.deleteMany({});

    await upload(alice, [
      { tel: bob.phone!, name: 'Bob' },
      { tel: dave.phone!, name: 'Dave' },
    ]).expect(200);
    const jobs = await PushJob.find({ kind: 'joined' }).lean();
    expect(jobs.map((j) => [String(j.user_id), j.text]).sort()).toEqual(
      [
        [bob.id, 'Ally a rejoint Pictever!'],
        [dave.id, 'Al joined Pictever!'],
      ].sort(),
    );
    expect(jobs.every((j) => j.due_at instanceof Date)).toBe(true);

    await upload(alice, [{ tel: bob.phone!, name: 'Bob' }]).expect(200);
    expect(await PushJob.countDocuments({ kind: 'joined' })).toBe(2);
  });

  it('when the uploader has no phone yet then the pushes wait until they define it', async () => {
    const eve = await person({ phone: false });
    const frank = await person();
    const evePhone = nextPhone();
    await upload(frank, [{ tel: evePhone, name: 'Evie' }]).expect(200);
    await PushJob.deleteMany({});
    await upload(eve, [{ tel: frank.phone!, name: 'Frank' }]).expect(200);
    expect(await PushJob.countDocuments({ kind: 'joined' })).toBe(0);

    await androidBody(eve.agent.post('/define_first_phone_number'), {
      phone_number: evePhone,
      os: 'ios',
      reg_id: '',
    }).expect(200);
    const jobs = await PushJob.find({ kind: 'joined' }).lean();
    expect(jobs.map((j) => [String(j.user_id), j.text])).toEqual([[frank.id, 'Evie joined Pictever!']]);

    await androidBody(eve.agent.post('/define_first_phone_number'), {
      phone_number: evePhone,
      os: 'ios',
      reg_id: '',
    }).expect(200);
    expect(await PushJob.countDocuments({ kind: 'joined' })).toBe(1);
  });

  it('when a first upload is sent several times at once then the pushes are queued once', async () => {
    const gina = await person();
    const hugo = await person();
    await upload(hugo, [{ tel: gina.phone!, name: 'Gigi' }]).expect(200);
    await PushJob.deleteMany({});
    const book = [{ tel: hugo.phone!, name: 'Hugo' }];
    const results = await Promise.all([upload(gina, book), upload(gina, book), upload(gina, book)]);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(await PushJob.countDocuments({ kind: 'joined', user_id: hugo.id })).toBe(1);
    expect(await AddressBookEntry.countDocuments({ owner_id: gina.id })).toBe(1);
  });

  it('when the contact saved the user without a name then no push is sent', async () => {
    const ian = await person();
    const jo = await person();
    await upload(jo, [{ tel: ian.phone!, name: '' }]).expect(200);
    await PushJob.deleteMany({});
    await upload(ian, [{ tel: jo.phone!, name: 'Jo' }]).expect(200);
    expect(await PushJob.countDocuments({ kind: 'joined' })).toBe(0);
    expect((await User.findById(ian.id).lean())!.device).toBeDefined();
  });
});
