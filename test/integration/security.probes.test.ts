/**
 * Security probes (issue 14, ASVS level 2) against the real database, with requests shaped
 * as an attacker would craft them: one user acting on another's messages, the operator
 * routes without the right token, and keys meant to pollute prototypes or inject query
 * operators. The login, input and phone probes live in security.probes.<area>.test.ts.
 */
import request from 'supertest';
import { AddressBookEntry, Message, PushJob } from '../../src/models';
import { buildTestApp, type TestApp } from '../helpers/app';
import { useTestDatabase } from '../helpers/db';
import { iosJson, seedTestCatalog, sendAndroid, sendIos, storeMessage } from '../helpers/messageFactories';
import { loggedIn, type Client } from '../helpers/session';
import { countMessagesWith } from '../helpers/encrypted';

useTestDatabase();
const TOKEN = 'probe-operator-token-0123456789abcdef';
let t: TestApp;
let alice: Client; // the attacker
let bob: Client;
let chloe: Client;
const hour = 3600_000;

beforeAll(async () => {
  await seedTestCatalog();
  t = buildTestApp({ OPERATOR_TOKEN: TOKEN });
  alice = await loggedIn(t.app, { phone: '0033610000001' });
  bob = await loggedIn(t.app, { phone: '0033610000002' });
  chloe = await loggedIn(t.app, { phone: '0033610000003' });
});

describe('one user cannot act on another user’s messages', () => {
  it('when Alice resends a message from Bob to Chloe then she gets an empty 200 and nothing moves', async () => {
    const m = await storeMessage({
      sender: bob.user.oid,
      receiver: chloe.user.oid,
      delivery: new Date(Date.now() - hour),
    });
    const before = await Message.findById(m).lean();
    for (const send of [sendIos, sendAndroid]) {
      const res = await send(alice.post('/resend'), { message_id: m.toHexString() }).expect(200);
      expect(res.text).toBe('');
    }
    expect(await Message.findById(m).lean()).toEqual(before);
    expect(await PushJob.countDocuments({ message_id: m })).toBe(0);
  });

  it('when Alice receives from the beginning of time then she sees none of Bob and Chloe’s messages', async () => {
    const m = await storeMessage({
      sender: bob.user.oid,
      receiver: chloe.user.oid,
      delivery: new Date(Date.now() - hour),
      message: 'for chloe only',
    });
    const res = await alice.get('/receive_all?ts=0').expect(200);
    expect(res.text).not.toContain('for chloe only');
    expect(res.text).not.toContain(m.toHexString());
    const chloeSees = await chloe.get('/receive_all?ts=0').expect(200);
    expect(chloeSees.text).toContain(m.toHexString());
  });

  it('when Alice blocks Bob then only messages between Alice and Bob are blocked, not Bob and Chloe’s', async () => {
    const future = new Date(Date.now() + 24 * hour);
    const theirs = await storeMessage({ sender: bob.user.oid, receiver: chloe.user.oid, delivery: future });
    const ours = await storeMessage({ sender: bob.user.oid, receiver: alice.user.oid, delivery: future });
    await sendIos(alice.post('/block_contacts'), {
      contacts_to_block: iosJson([`id${bob.user.id}`, chloe.user.id]),
    }).expect(200);
    expect((await Message.findById(theirs).lean())!.blocked).toBe(false);
    expect((await Message.findById(ours).lean())!.blocked).toBe(true);
  });
});

describe('operator routes refuse everyone but the operator', () => {
  const routes = ['/metrics', '/readyz', '/waiting'];

  it('when no token, a wrong one, one of another length, or one in the query string is sent then 401', async () => {
    for (const path of routes) {
      const attempts = [
        request(t.app).get(path),
        request(t.app)
          .get(path)
          .set('Authorization', `Bearer ${TOKEN.slice(0, -1)}x`),
        request(t.app).get(path).set('Authorization', `Bearer ${TOKEN}${TOKEN}`),
        request(t.app).get(path).set('Authorization', TOKEN),
        request(t.app).get(`${path}?token=${TOKEN}`),
        request(t.app).get(path).set('Cookie', alice.cookie),
      ];
      for (const attempt of attempts) {
        const res = await attempt;
        expect(res.status).toBe(401);
        expect(res.text).not.toContain(TOKEN);
      }
      await request(t.app).get(path).set('Authorization', `Bearer ${TOKEN}`).expect(200);
    }
  });

  it('when no OPERATOR_TOKEN is configured then the routes do not exist (404), whatever is sent', async () => {
    const hidden = buildTestApp();
    for (const path of routes) {
      await request(hidden.app).get(path).set('Authorization', 'Bearer ').expect(404);
      await request(hidden.app).get(path).set('Authorization', `Bearer ${TOKEN}`).expect(404);
    }
  });
});

describe('prototype pollution and operator keys', () => {
  afterEach(() => {
    // A polluted prototype would show on every object of the process.
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('when form keys are __proto__, constructor or prototype then they are plain keys and nothing leaks', async () => {
    const bodies = [
      '__proto__[polluted]=1&message_id=xyz',
      'constructor[prototype][polluted]=1&message_id=xyz',
      '__proto__=polluted&message_id=xyz',
    ];
    for (const body of bodies) {
      const res = await alice.post('/resend').type('form').send(body);
      expect(res.status).toBe(400);
    }
    const send = await alice
      .post('/send')
      .type('form')
      .send(
        `__proto__[message]=x&message=hi&receiver_ids=${encodeURIComponent(JSON.stringify([`id${bob.user.id}`]))}`,
      );
    expect(send.status).toBe(200);
    expect(await countMessagesWith({ sender_id: alice.user.oid, message: 'hi' })).toBe(1);
  });

  it('when JSON fields carry __proto__ or constructor then the send is refused or stored without them', async () => {
    const evil = [
      { type: 'calendar', parameters: String(Math.floor(Date.now() / 1000)), __proto__: { polluted: 1 } },
      JSON.parse('{"type":"calendar","parameters":"now","__proto__":{"polluted":1}}') as object,
      { type: 'calendar', parameters: 'now', constructor: { prototype: { polluted: 1 } } },
    ];
    for (const option of evil) {
      const res = await sendAndroid(alice.post('/send'), {
        message: `proto ${Math.random()}`,
        receiver_ids: JSON.stringify([`id${chloe.user.id}`]),
        delivery_option: JSON.stringify(option),
      });
      expect([200, 400]).toContain(res.status);
    }
    const stored = await Message.find({ sender_id: alice.user.oid, receiver_id: chloe.user.oid }).lean();
    for (const m of stored) expect(JSON.stringify(m)).not.toContain('polluted');
  });

  it('when address-book entries carry __proto__ keys then stored entries have only tel and name', async () => {
    const book =
      '[{"tel":"0033610000002","name":"Bob","__proto__":{"polluted":1}},{"__proto__":{"tel":"x"}}]';
    const res = await sendAndroid(alice.post('/upload_address_book'), { address_book: book });
    expect(res.status).toBe(200);
    const stored = await AddressBookEntry.find({ owner_id: alice.user.oid }).lean();
    expect(stored.map((e) => e.name)).toEqual(['Bob']);
    for (const e of stored) expect(JSON.stringify(e)).not.toContain('polluted');
  });

  it('when operators hide in nested keys of the form then they are refused, never queried', async () => {
    for (const body of ['message_id[$ne]=1', 'message_id[$gt]=', 'ts[$gt]=0']) {
      const res = await alice.post('/resend').type('form').send(body);
      expect(res.status).toBe(400);
    }
    const receive = await alice.get('/receive_all?ts[$gt]=0');
    expect(receive.status).toBe(400);
  });
});
