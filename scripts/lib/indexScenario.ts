/**
 * One pass over every endpoint the way the apps use them (both apps' body styles), so
 * that the server sends each of its query shapes at least once. Every step checks its
 * status: a scenario that silently fails would prove nothing.
 */
import { randomBytes } from 'node:crypto';
import { AppClient, expectStatus, sha256 } from './appClient';

const phone = () => `00336${String(randomBytes(4).readUInt32BE() % 100_000_000).padStart(8, '0')}`;

async function account(baseUrl: string, kind: 'ios' | 'android', name: string) {
  const client = new AppClient(baseUrl, kind);
  const email = `${name}.${randomBytes(3).toString('hex')}@example.com`;
  const number = phone();
  const token = kind === 'ios' ? randomBytes(32).toString('hex') : `fcm-${randomBytes(8).toString('hex')}`;
  expectStatus(await client.signup(email, 'pw'), 200, `${name} signup`);
  const login = expectStatus(await client.login(email, 'pw', token), 200, `${name} login`);
  expectStatus(await client.definePhone(number, token), 200, `${name} phone`);
  const id = (JSON.parse(login.text) as { user_id: string }).user_id;
  return { client, email, number, id };
}

export async function runIndexScenario(baseUrl: string, _dbUri: string): Promise<void> {
  const alice = await account(baseUrl, 'android', 'alice');
  const bob = await account(baseUrl, 'ios', 'bob');
  const carol = await account(baseUrl, 'android', 'carol');
  const a = alice.client;
  const b = bob.client;

  expectStatus(await new AppClient(baseUrl).signup(alice.email, 'pw'), 406, 'duplicate signup');
  expectStatus(await new AppClient(baseUrl).login(alice.email, 'wrong', ''), 401, 'wrong password');

  expectStatus(await a.post('/upload_contacts', { contacts: [bob.number, phone()] }), 200, 'upload_contacts');
  const book = [
    { tel: bob.number, name: 'Bob' },
    { tel: carol.number, name: 'Carol' },
  ];
  expectStatus(await a.post('/upload_address_book', { address_book: book }), 200, 'alice address book');
  expectStatus(
    await b.post('/upload_address_book', { address_book: [{ tel: alice.number, name: 'Al' }] }),
    200,
    'bob book',
  );
  expectStatus(await a.get('/get_address_book'), 200, 'get_address_book');

  const choices = JSON.parse(expectStatus(await a.get('/get_send_choices'), 200, 'choices').text) as {
    key: string;
  }[];
  for (const choice of choices) {
    expectStatus(
      await a.send([`id${bob.id}`], `via ${choice.key}`, { type: choice.key }),
      200,
      'send choice',
    );
  }
  const soon = String(Math.floor(Date.now() / 1000) + 1);
  expectStatus(
    await a.send([`id${bob.id}`], 'calendar', { type: 'calendar', parameters: soon }),
    200,
    'calendar',
  );
  expectStatus(await a.send([`id${bob.id}`], 'now', { type: 'calendar', parameters: 'now' }), 200, 'now');
  expectStatus(
    await a.send([`id${bob.id}`], 'resend', { type: 'resend', parameters: '' }),
    200,
    'legacy resend',
  );
  expectStatus(await a.send([`num${carol.number}`, `id${bob.id}`], 'plain'), 200, 'no option');
  const bottlePhone = phone();
  expectStatus(await a.send([`num${bottlePhone}`], 'bottle'), 200, 'bottle');
  const dave = new AppClient(baseUrl, 'android');
  const daveEmail = `dave.${randomBytes(3).toString('hex')}@example.com`;
  expectStatus(await dave.signup(daveEmail, 'pw'), 200, 'dave signup');
  expectStatus(await dave.login(daveEmail, 'pw', ''), 200, 'dave login');
  expectStatus(await dave.definePhone(bottlePhone, ''), 200, 'dave claims the bottle');

  // A "now" message is due WRITE_SETTLE_MS (6 s) after its send (README "Exactly once"):
  // read until it is there, which also lets the worker push what is due.
  let first: { message_id: string } | undefined;
  for (let i = 0; i < 40 && !first; i++) {
    await new Promise((r) => setTimeout(r, 500));
    const inbox = JSON.parse(expectStatus(await b.receiveAll(0), 200, 'receive_all').text) as {
      new_messages: { message_id: string }[];
    };
    first = inbox.new_messages[0];
  }
  if (!first) throw new Error('bob received nothing: the scenario cannot resend');
  expectStatus(await b.post('/resend', { message_id: first.message_id }), 200, 'resend');
  expectStatus(
    await a.post('/resend', { message_id: first.message_id }),
    200,
    'resend by the sender (ignored)',
  );
  expectStatus(await b.get('/get_number_of_future_messages'), 200, 'future count');
  expectStatus(await a.get('/get_my_status'), 200, 'status');
  expectStatus(
    await b.post('/block_contacts', { contacts_to_block: [`id${carol.id}`, alice.id] }),
    200,
    'block',
  );

  const c = carol.client;
  expectStatus(await c.definePhone(phone(), ''), 200, 'carol changes her number');
  expectStatus(await c.definePhone(alice.number, ''), 406, 'carol tries a taken number');

  expectStatus(await new AppClient(baseUrl).get(`/send_reset_mail?email=${alice.email}`), 200, 'reset mail');
  const wrong = { email: alice.email, verification_code: 'ZZZZ', new_password: sha256('new') };
  expectStatus(await new AppClient(baseUrl).post('/define_new_password', wrong), 406, 'wrong reset code');
  expectStatus(await a.post('/logout', {}), 200, 'logout');

  // The account page's routes (README "Privacy"), ending with the deletion of alice.
  const page = new AppClient(baseUrl);
  const json = (value: object) => JSON.stringify(value);
  const signIn = json({ email: alice.email, password: sha256('pw') });
  const signedIn = expectStatus(
    await page.request('POST', '/account/login', signIn, 'application/json'),
    200,
    'page sign-in',
  );
  const csrf = { 'x-csrf-token': (JSON.parse(signedIn.text) as { csrf_token: string }).csrf_token };
  expectStatus(await page.get('/account/me'), 200, 'page account');
  expectStatus(await page.request('GET', '/account/export', undefined, undefined, csrf), 200, 'page export');
  expectStatus(
    await page.request('POST', '/account/delete', json({ email: alice.email }), 'application/json', csrf),
    200,
    'page deletion',
  );

  await opsConsole(baseUrl);
}

/** The operator's console (README "Operating"): sign-in, the page, and each action. */
async function opsConsole(baseUrl: string): Promise<void> {
  const ops = new AppClient(baseUrl);
  const form = 'application/x-www-form-urlencoded';
  const token = process.env.OPERATOR_TOKEN ?? '';
  expectStatus(
    await ops.request('POST', '/ops/sign-in', `token=${encodeURIComponent(token)}`, form),
    303,
    'ops sign-in',
  );
  const page = expectStatus(await ops.get('/ops'), 200, 'ops console').text;
  const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';
  const act = async (path: string, fields: string, status: number) =>
    expectStatus(await ops.request('POST', path, `csrf=${csrf}&${fields}`, form), status, `ops ${path}`);
  expectStatus(await ops.get('/ops?reason=gave%20up'), 200, 'ops console filtered');
  await act('/ops/pause', '', 303);
  await act('/ops/resume', '', 303);
  await act('/ops/requeue', 'id=0123456789abcdef01234567', 404);
  await act('/ops/requeue-all', 'reason=gave%20up', 303);
  await act('/ops/requeue-all', 'reason=', 303);
  await act('/ops/test-push', 'provider=fcm&token=abc', 303);
  await act('/ops/sign-out', '', 303);
}
