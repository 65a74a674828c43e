/**
 * U+0000 in a request (domain/requestText): PostgreSQL, under the embedded FerretDB, stores
 * no text holding one, so each used to fail its query or write with a 503 (schemathesis
 * found it on /signup and /define_first_phone_number). Every field of every route, raw
 * (iOS), percent-encoded (Android) and as a JSON `\u0000` escape, is answered without a 5xx,
 * and what is stored holds U+FFFD where the NUL was.
 */
import { endpointsFromOpenapi } from '../../scripts/lib/hardeningFuzz';
import { User } from '../../src/models';
import { pageLogin } from '../helpers/accountPage';
import { people } from '../helpers/accountFixtures';
import { buildTestApp, type TestApp } from '../helpers/app';
import { useTestDatabase } from '../helpers/db';
import { androidBody, iosBody, sha256Hex } from '../helpers/factories';
import { seedTestCatalog } from '../helpers/messageFactories';
import request from 'supertest';

useTestDatabase();
let t: TestApp;
const { nextPhone, person } = people(() => t.app, '0033651');

beforeAll(async () => {
  await seedTestCatalog();
  t = buildTestApp({ OPERATOR_TOKEN: 'nul-test-operator-token-0123456789' });
});

/** A value with a NUL for each field; JSON-carrying fields hold it as a `\u0000` escape. */
function nulValue(field: string, phone: string): string {
  switch (field) {
    case 'receiver_ids':
    case 'contacts_to_block':
      return '["id\\u0000", "num0033\\u00006"]';
    case 'contacts':
      return `["${phone}\\u0000"]`;
    case 'address_book':
      return `[{"tel":"${phone}","name":"A\\u0000B"}]`;
    case 'delivery_option':
      return '{"type":"\\u0000","parameters":"\\u0000","timezone":"\\u0000"}';
    default:
      return `x\u0000y`;
  }
}

describe('a NUL character in a request', () => {
  it('when every field of every route holds one then no answer is a 5xx', async () => {
    const me = await person();
    const answers: string[] = [];
    for (const e of endpointsFromOpenapi()) {
      if (e.fields.length === 0) continue;
      const fields = Object.fromEntries(e.fields.map((f) => [f, nulValue(f, nextPhone())]));
      const query = new URLSearchParams(fields).toString();
      const android =
        e.method === 'GET' ? me.agent.get(`${e.path}?${query}`) : androidBody(me.agent.post(e.path), fields);
      const ios =
        e.method === 'GET'
          ? undefined
          : iosBody(
              me.agent.post(e.path),
              Object.entries(fields)
                .map(([k, v]) => `${k}=${v}`)
                .join('&'),
            );
      for (const [how, req] of [
        ['android', android],
        ['ios', ios],
      ] as const) {
        if (!req) continue;
        const res = await req.set('Authorization', 'Bearer nul-test-operator-token-0123456789');
        answers.push(`${res.status} ${how} ${e.method} ${e.path}`);
      }
    }
    expect(answers.length).toBeGreaterThanOrEqual(40); // 16 routes with fields, most POSTs sent both ways
    expect(answers.filter((a) => a.startsWith('5'))).toEqual([]);
  });

  it('when a signup email holds one then the account is made with U+FFFD there and logs in with the same email', async () => {
    const email = `nul\u0000${Date.now()}@example.com`;
    const password = sha256Hex('nul-password');
    await androidBody(request(t.app).post('/signup'), { email, password }).expect(200);
    const stored = await User.findOne({ email: email.replace('\u0000', '\uFFFD') }).lean();
    expect(stored).not.toBeNull();
    await androidBody(request(t.app).post('/login'), { email, password, os: 'android', reg_id: 'r' }).expect(
      200,
    );
  });

  it('when a message text holds one then its receiver reads it with U+FFFD there', async () => {
    const sender = await person();
    const receiver = await person();
    const since = Date.now() / 1000 - 60;
    await androidBody(sender.agent.post('/send'), {
      message: 'before\u0000after',
      receiver_ids: JSON.stringify([`id${receiver.id}`]),
      delivery_option: '',
    }).expect(200);
    await new Promise((resolve) => setTimeout(resolve, t.config.WRITE_SETTLE_MS)); // due then
    const res = await receiver.agent.get(`/receive_all?ts=${since}`).expect(200);
    expect(res.body.new_messages.map((m: { message: string }) => m.message)).toEqual(['before\uFFFDafter']);
  });

  it('when an address-book name holds a \\u0000 escape then the book keeps the name with U+FFFD', async () => {
    const me = await person();
    const friend = await person();
    const book = `[{"tel":"${friend.phone}","name":"Ann\\u0000Bee"}]`;
    await androidBody(me.agent.post('/upload_address_book'), { address_book: book }).expect(200);
    const res = await me.agent.get('/get_address_book').expect(200);
    expect(res.body.map((c: { name: string }) => c.name)).toEqual(['Ann\uFFFDBee']);
  });

  it('when the account page signs in with one in its JSON email then the answer is the 401 of a wrong email', async () => {
    const res = await pageLogin(request(t.app), 'some\u0000one@example.com', 'whatever-password');
    expect(res.status).toBe(401);
  });
});
