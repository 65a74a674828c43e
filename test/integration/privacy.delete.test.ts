/**
 * Account deletion (README "Privacy"): from the account page, then what is left of the
 * account in every collection, what its sessions and login get, what its messages'
 * receivers see; and a deletion that died halfway, finished by each retry path (the page's
 * sign-in, the worker's cleanup job, the service run again).
 */
import mongoose from 'mongoose';
import request from 'supertest';
import { DELETION_STEPS, deleteAccount } from '../../src/services/privacy/deletion';
import { runCleanup } from '../../workers/periodic/cleanup';
import { buildTestApp, type TestApp } from '../helpers/app';
import { pageCall, pageLogin, pageSignIn, SAME_ORIGIN } from '../helpers/accountPage';
import { useTestDatabase } from '../helpers/db';
import { androidBody } from '../helpers/factories';
import { buildWorld, recordsOf, type Person, type World } from '../helpers/privacyWorld';

useTestDatabase();
jest.setTimeout(60_000);
let t: TestApp;

beforeAll(() => {
  t = buildTestApp();
});

/** Every record naming the person, none left (the delivered messages they sent aside). */
function expectNothingLeft(records: Record<string, number>, keptDelivered: number) {
  const { messages_sent_delivered, ...rest } = records;
  expect(rest).toEqual(Object.fromEntries(Object.keys(rest).map((k) => [k, 0])));
  expect(messages_sent_delivered).toBe(keptDelivered);
}

const appLogin = (p: Person) =>
  androidBody(request(t.app).post('/login'), {
    email: p.email,
    password: p.password,
    os: 'android',
    reg_id: 'x',
  });

const deps = () => ({ logger: t.logger, now: () => new Date() });

/** What a process that died after the first `steps` steps leaves behind. */
async function crashAfter(w: World, steps: number) {
  for (const step of DELETION_STEPS.slice(0, steps)) await step.run(w.sam.oid, new Date());
}

describe('deleting an account from the page', () => {
  let w: World;
  let before: Record<string, number>;
  beforeAll(async () => {
    w = await buildWorld(t.app, '00336410');
    before = await recordsOf(w.sam, w.samResetCodes, w.samDoomed);
  });

  it('when the world is built then sam has records of every kind the deletion removes', () => {
    // Each kind is present: a deletion that skipped one would leave it and fail below.
    for (const [kind, n] of Object.entries(before)) {
      expect([kind, n > 0]).toEqual([kind, true]);
    }
  });

  it("when the typed email is not the account's then it answers 400 and deletes nothing", async () => {
    const page = await pageSignIn(t.app, w.sam.email, w.sam.password);
    const res = await pageCall(page, 'post', '/account/delete').send({ email: w.rita.email }).expect(400);
    expect(res.text).toMatch(/not this account's email/);
    expect((await recordsOf(w.sam, w.samResetCodes, w.samDoomed)).users).toBe(1);
  });

  it('when confirmed then every record of the account goes, its sessions and login get 401, and delivered messages stay with an empty sender', async () => {
    const page = await pageSignIn(t.app, w.sam.email, w.sam.password);
    const me = await pageCall(page, 'get', '/account/me').expect(200);
    // The email is typed as a person would, in another case, with spaces around it.
    const res = await pageCall(page, 'post', '/account/delete')
      .send({ email: `  ${w.sam.email.toUpperCase()} ` })
      .expect(200);
    expect(res.body).toEqual({ state: 'deleted' });
    expect(me.body.account.email).toBe(w.sam.email);

    expectNothingLeft(await recordsOf(w.sam, w.samResetCodes, w.samDoomed), 1);
    await w.sam.agent.get('/receive_all?ts=0').expect(401); // the app's session
    await pageCall(page, 'get', '/account/me').expect(401); // the page's session
    await appLogin(w.sam).expect(401);
    await pageLogin(request(t.app), w.sam.email, w.sam.password).expect(401);

    const seen = await w.rita.agent.get('/receive_all?ts=0').expect(200);
    const fromSam = (seen.body.new_messages as Record<string, string>[]).filter(
      (m) => m.message === w.texts.keptAtRita,
    );
    expect(fromSam).toHaveLength(1);
    expect(fromSam[0]).toMatchObject({
      from_id: '',
      from_email: '',
      from_numero: '',
      from_facebook_id: '',
      from_facebook_name: '',
    });
    // Nothing else of sam reached her inbox, and bob's message is untouched.
    const texts = (seen.body.new_messages as { message: string }[]).map((m) => m.message).sort();
    expect(texts).toEqual([w.texts.keptAtRita, 'bob to rita'].sort());
  });

  it('when it is done then the other accounts keep their own data', async () => {
    const rita = await recordsOf(w.rita, [], []);
    expect(rita).toMatchObject({ users: 1, phone_owners: 1, address_book_entries: 1, address_books: 1 });
    // Her message to sam went with him; the one to bob never existed; bob keeps his.
    expect(rita.messages_sent_delivered).toBe(0);
    expect((await recordsOf(w.bob, [], [])).messages_sent_delivered).toBe(1);
  });

  it('when the same email signs up again then it is a new account', async () => {
    await androidBody(request(t.app).post('/signup'), {
      email: w.sam.email,
      password: w.sam.password,
    }).expect(200);
    await appLogin(w.sam).expect(200);
  });

  it('when deleted again then there is nothing to delete', async () => {
    expect(await deleteAccount(deps(), w.sam.oid)).toBeNull();
  });
});

describe('a deletion that died halfway', () => {
  it('when marked then the login refuses the account even with the right password, and makes no session', async () => {
    const w = await buildWorld(t.app, '00336411');
    await crashAfter(w, 2); // marked, sessions gone
    await appLogin(w.sam).expect(401);
    const sessions = await mongoose.connection.collection('sessions').countDocuments({ user_id: w.sam.id });
    expect(sessions).toBe(0);
    // The page's sign-in with a wrong password learns nothing either.
    await pageLogin(request(t.app), w.sam.email, 'f'.repeat(64)).expect(401);
    await deleteAccount(deps(), w.sam.oid); // finished here: the cleanup test counts its own
  });

  it.each([
    ['the mark', 1],
    ['the messages', 4],
  ])(
    'when it stopped after %s then signing in on the page with the right password finishes it',
    async (_what, steps) => {
      const w = await buildWorld(t.app, steps === 1 ? '00336412' : '00336413');
      await crashAfter(w, steps);
      const res = await pageLogin(request(t.app), w.sam.email, w.sam.password).expect(200);
      expect(res.body).toEqual({ state: 'deleted' });
      expect(res.headers['set-cookie']).toBeUndefined(); // no session for it
      expectNothingLeft(await recordsOf(w.sam, w.samResetCodes, w.samDoomed), 1);
    },
  );

  it("when it stopped before the user document then the worker's cleanup job finishes it once the resume delay has passed", async () => {
    const w = await buildWorld(t.app, '00336414');
    await crashAfter(w, DELETION_STEPS.length - 1);
    const soon = new Date(Date.now() + 60_000);
    const early = await runCleanup(soon, t.logger, t.config);
    expect(early.account_deletions).toBe(0);
    expect((await recordsOf(w.sam, w.samResetCodes, w.samDoomed)).users).toBe(1);

    const later = new Date(Date.now() + (t.config.ACCOUNT_DELETION_RESUME_MINUTES + 1) * 60_000);
    const done = await runCleanup(later, t.logger, t.config);
    expect(done.account_deletions).toBe(1);
    expectNothingLeft(await recordsOf(w.sam, w.samResetCodes, w.samDoomed), 1);
  });

  it('when it stopped after the sessions then running it again says it resumed and finishes it', async () => {
    const w = await buildWorld(t.app, '00336415');
    await crashAfter(w, 2);
    const result = await deleteAccount(deps(), w.sam.oid);
    expect(result).toMatchObject({ userId: w.sam.id, resumed: true });
    expect(result!.removed.user).toBe(1);
    expectNothingLeft(await recordsOf(w.sam, w.samResetCodes, w.samDoomed), 1);
  });
});

describe("the page's delete request", () => {
  it('when sent from another site or without the token then it is refused and nothing is deleted', async () => {
    const w = await buildWorld(t.app, '00336416');
    const page = await pageSignIn(t.app, w.sam.email, w.sam.password);
    const send = () => page.agent.post('/account/delete').set(SAME_ORIGIN);
    await send().send({ email: w.sam.email }).expect(403); // no token
    await send().set('X-CSRF-Token', 'x'.repeat(43)).send({ email: w.sam.email }).expect(403);
    await send()
      .set('X-CSRF-Token', page.token)
      .set('Origin', 'https://evil.example')
      .send({ email: w.sam.email })
      .expect(403);
    // A cross-site form can only send a simple content type.
    await send()
      .set('X-CSRF-Token', page.token)
      .type('form')
      .send(`email=${encodeURIComponent(w.sam.email)}`)
      .expect(415);
    expect((await recordsOf(w.sam, w.samResetCodes, w.samDoomed)).users).toBe(1);
  });
});
