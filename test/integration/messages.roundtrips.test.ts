/**
 * Round trips per request stay constant as data grows: the driver reports every command
 * (command monitoring), counted per request with few and with many receivers, messages
 * and senders. The counts include the session lookup done by the session middleware.
 */
import { AddressBookEntry } from '../../src/models';
import { claimBottles } from '../../src/services/messages/bottles';
import { loadCatalog } from '../../src/services/catalog/source';
import { statusNamer } from '../../src/services/messages/status';
import { shapesOfCommand } from '../../src/db/queryShapes';
import { servingIndex } from '../../scripts/lib/indexCoverage';
import { buildTestApp, type TestApp } from '../helpers/app';
import {
  declaredIndexes,
  iosJson,
  seedTestCatalog,
  sendAndroid,
  sendIos,
  storeMessage,
  storeMessages,
  testClock,
  useMonitoredDatabase,
} from '../helpers/messageFactories';
import { createTestUser, loggedIn, type Client, type TestUser } from '../helpers/session';

const db = useMonitoredDatabase();
// Growth tests build hundreds of documents; jest ignores testTimeout set per project.
jest.setTimeout(60_000);
const clock = testClock(Date.UTC(2025, 8, 1, 8, 0, 0));
let t: TestApp;
let me: Client;
const WEEK = iosJson({ type: '53b95c02edb08c3d6885041c' });
const measured: Record<string, string[]> = {};
const documents: Record<string, unknown>[] = [];

async function users(n: number, prefix: string, withPhone = true): Promise<TestUser[]> {
  return Promise.all(
    Array.from({ length: n }, (_, i) =>
      createTestUser(withPhone ? { phone: `${prefix}${String(i).padStart(4, '0')}` } : {}),
    ),
  );
}

async function measure(name: string, fn: () => Promise<unknown>): Promise<string[]> {
  const { commands, documents: sent } = await db.record(fn);
  measured[name] = commands;
  documents.push(...sent);
  return commands;
}

beforeAll(async () => {
  await seedTestCatalog();
  t = buildTestApp({}, { now: clock.now });
  me = await loggedIn(t.app, { phone: '0033600009999' });
  await me.get('/get_send_choices').expect(200); // the catalog is now cached, as in a warm process
});

afterAll(() => {
  const table = Object.entries(measured).map(([k, v]) => `${k}: ${v.length} [${v.join(', ')}]`);
  process.stdout.write(`round trips per request\n  ${table.join('\n  ')}\n`);
});

describe('round trips per request', () => {
  it('when /send goes to 2 receivers or to 300 (accounts, numbers, bottles, teasers) then the count is the same', async () => {
    const [one, two] = await users(2, '00336100');
    const small = await measure('send 2 receivers', () =>
      sendIos(me.post('/send'), {
        message: 'two',
        receiver_ids: iosJson([`id${one!.id}`, `num${two!.phone}`]),
        delivery_option: WEEK,
      }).expect(200),
    );
    const byId = await users(150, '00336200');
    const byNum = await users(100, '00336300');
    await AddressBookEntry.insertMany(
      byId.map((u) => ({
        _id: `${u.id}:${me.user.phone}`,
        owner_id: u.oid,
        tel: me.user.phone,
        name: 'Me',
        uploaded_at: new Date(),
      })),
    );
    await storeMessages(
      Array.from({ length: 200 }, (_, i) => ({
        sender: me.user.oid,
        receiver: one!.oid,
        message: `old ${i}`,
      })),
    );
    const receivers = [
      ...byId.map((u) => `id${u.id}`),
      ...byNum.map((u) => `num${u.phone}`),
      ...Array.from({ length: 50 }, (_, i) => `num0033640${String(i).padStart(6, '0')}`),
    ];
    const large = await measure('send 300 receivers', () =>
      sendIos(me.post('/send'), {
        message: 'many',
        receiver_ids: iosJson(receivers),
        delivery_option: WEEK,
      }).expect(200),
    );
    // The pushes take one insert per queue used: teasers (due now) go to push_jobs, the
    // messages due in a week to push_schedule; the rest is the same command for command.
    const queues = /^insert push_(jobs|schedule)$/;
    expect(large.filter((c) => !queues.test(c))).toEqual(small.filter((c) => !queues.test(c)));
    expect(large.filter((c) => queues.test(c))).toEqual(['insert push_jobs', 'insert push_schedule']);
    expect(small.filter((c) => queues.test(c)).length).toBeGreaterThanOrEqual(1);
    // Two of them are the daily quotas: the day's last entry, then one for the whole send.
    const quota = ['find quota_seq', 'insert quota_seq'];
    expect(large.filter((c) => c.endsWith(' quota_seq'))).toEqual(quota);
    expect(large.length).toBeLessThanOrEqual(11);
  });

  it('when the same send is retried then it costs no more than the first', async () => {
    const [one] = await users(1, '00336500');
    const body = { message: 'retry', receiver_ids: iosJson([`id${one!.id}`]), delivery_option: WEEK };
    const first = await measure('send (first)', () => sendIos(me.post('/send'), body).expect(200));
    const retry = await measure('send (retry, collapsed)', () => sendIos(me.post('/send'), body).expect(200));
    expect(retry.length).toBeLessThanOrEqual(first.length);
  });

  it('when /receive_all returns 1 message or 121 from 41 senders then the count is the same', async () => {
    const reader = await loggedIn(t.app, {});
    const [s1] = await users(1, '', false);
    await storeMessage({ sender: s1!.oid, receiver: reader.user.oid, delivery: clock.now() });
    const ts = clock.now().getTime() / 1000 - 60;
    const small = await measure('receive_all 1 message', async () => {
      const res = await reader.get(`/receive_all?ts=${ts}`).expect(200);
      expect(res.body.new_messages).toHaveLength(1);
    });
    const senders = await users(40, '00336600');
    await storeMessages(
      senders.flatMap((s) =>
        [0, 1, 2].map(() => ({ sender: s.oid, receiver: reader.user.oid, delivery: clock.now() })),
      ),
    );
    const large = await measure('receive_all 121 messages, 41 senders', async () => {
      const res = await reader.get(`/receive_all?ts=${ts}`).expect(200);
      expect(res.body.new_messages).toHaveLength(121);
    });
    expect(large).toEqual(small);
    expect(small.length).toBeLessThanOrEqual(4);
  });

  it('when /receive_all answers a page of RECEIVE_MAX, or an instant past it, then it costs 3 or 4', async () => {
    const paged = buildTestApp({ RECEIVE_MAX: '2' }, { now: clock.now });
    const reader = await loggedIn(paged.app, {});
    const [s1] = await users(1, '', false);
    const at = (ms: number) => new Date(clock.now().getTime() - ms);
    await storeMessages(
      [3_000, 3_000, 3_000, 2_000, 1_000].map((ms) => ({
        sender: s1!.oid,
        receiver: reader.user.oid,
        delivery: at(ms),
      })),
    );
    const ts = (ms: number) => (clock.now().getTime() - ms) / 1000;
    const instant = await measure('receive_all instant past RECEIVE_MAX', async () => {
      const res = await reader.get(`/receive_all?ts=${ts(4_000)}`).expect(200);
      expect(res.body.new_messages).toHaveLength(3);
    });
    const page = await measure('receive_all page of RECEIVE_MAX', async () => {
      const res = await reader.get(`/receive_all?ts=${ts(2_500)}`).expect(200);
      expect(res.body.new_messages).toHaveLength(2);
    });
    expect(page).toHaveLength(3);
    expect(instant).toEqual([...page.slice(0, 2), 'find messages', ...page.slice(2)]);
  });

  it('when the other message routes run on little or much data then their counts do not grow', async () => {
    const a = await loggedIn(t.app, {});
    const b = await loggedIn(t.app, {});
    const run = async (label: string) => {
      const id = await storeMessage({
        sender: b.user.oid,
        receiver: a.user.oid,
        delivery: clock.now(),
      });
      await b.get('/get_my_status').expect(200); // a rank increase costs one more write: settle it first
      return [
        await measure(`get_number_of_future_messages (${label})`, () =>
          a.get('/get_number_of_future_messages').expect(200),
        ),
        await measure(`get_my_status (${label})`, () => b.get('/get_my_status').expect(200)),
        await measure(`get_send_choices (${label})`, () => a.get('/get_send_choices').expect(200)),
        await measure(`resend (${label})`, () =>
          sendAndroid(a.post('/resend'), { message_id: String(id) }).expect(200),
        ),
        await measure(`block_contacts (${label})`, () =>
          sendAndroid(a.post('/block_contacts'), { contacts_to_block: JSON.stringify([b.user.id]) }).expect(
            200,
          ),
        ),
      ].map((c) => c.length);
    };
    const small = await run('little data');
    const tomorrow = new Date(clock.now().getTime() + 86400_000);
    await storeMessages(
      Array.from({ length: 300 }, (_, i) =>
        i % 2
          ? { sender: b.user.oid, receiver: a.user.oid, delivery: tomorrow }
          : { sender: a.user.oid, receiver: b.user.oid, delivery: tomorrow },
      ),
    );
    expect(await run('much data')).toEqual(small);
  });

  it('when bottles are claimed, 1 or 150, and the catalog is read, then the counts do not grow', async () => {
    const claim = async (phone: string, n: number) => {
      await storeMessages(
        Array.from({ length: n }, (_, i) => ({
          sender: me.user.oid,
          receiver: null,
          receiver_phone: phone,
          delivery: new Date(clock.now().getTime() + (i % 2 ? -1 : 1) * 86400_000),
        })),
      );
      const owner = await createTestUser({ phone });
      return measure(`claimBottles ${n}`, () =>
        claimBottles(owner.oid, phone, clock.now(), t.config.WRITE_SETTLE_MS),
      );
    };
    const small = await claim('0033650000001', 2);
    expect(await claim('0033650000002', 150)).toEqual(small);
    expect(small.length).toBeLessThanOrEqual(5); // the find, two updates, one insert per queue
    const catalog = await measure('catalog load (every CATALOG_CACHE_SECONDS)', () => loadCatalog());
    expect(catalog).toHaveLength(3);
    await measure('statusNamer (contact lists)', () => statusNamer(t.config, 'fr'));
  });

  it('when the message routes query the database then every query is served by a declared index', () => {
    const indexes = declaredIndexes();
    // The driver carries a find's sort as a Map; read it as the plain object it stands for.
    const plain = (d: Record<string, unknown>) =>
      d.sort instanceof Map ? { ...d, sort: Object.fromEntries(d.sort) } : d;
    const shapes = documents.flatMap((d) => shapesOfCommand(plain(d)));
    expect(shapes.length).toBeGreaterThan(20);
    const uncovered = shapes
      .filter((shape) => !servingIndex(shape, indexes.get(shape.collection) ?? []))
      .map(
        (s) =>
          `${s.op} ${s.collection} eq[${s.eq.join(',')}] sort[${s.sort.join(',')}] range[${s.range.join(',')}]`,
      );
    // push_jobs belongs to the push queue's model, whose owner adds { message_id: 1 } for it.
    const requested = ['delete push_jobs eq[message_id] sort[] range[]'];
    expect([...new Set(uncovered)].filter((u) => !requested.includes(u))).toEqual([]);
  });
});
