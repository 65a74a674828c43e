/**
 * Database round trips of the account and contact routes stay constant as lists grow, and
 * every query they send is served by a declared index (checked from the driver's command
 * monitoring against the models' indexes, the way MongoDB would plan it).
 */
import mongoose from 'mongoose';
import type { CommandStartedEvent } from 'mongodb';
import request from 'supertest';
import { shapesOfCommand } from '../../src/db/queryShapes';
import { servingIndex } from '../../scripts/lib/indexCoverage';
import { buildTestApp, type TestApp } from '../helpers/app';
import { indexTestDatabase, testDatabaseUri } from '../helpers/db';
import { androidBody, createUser, loginAgent, sha256Hex } from '../helpers/factories';
import { startSmtpSink, type SmtpSink } from '../helpers/smtpSink';
import '../../src/models';

jest.setTimeout(60_000);
let t: TestApp;
let sink: SmtpSink;
let listening: string[] | undefined;
const commands: Record<string, unknown>[] = [];
let phoneSeq = 0;
const nextPhone = () => `0033670${String(++phoneSeq).padStart(6, '0')}`;

beforeAll(async () => {
  mongoose.set('autoIndex', false);
  mongoose.set('bufferCommands', false);
  await mongoose.connect(testDatabaseUri(), { serverSelectionTimeoutMS: 5_000, monitorCommands: true });
  await indexTestDatabase();
  mongoose.connection.getClient().on('commandStarted', (e: CommandStartedEvent) => {
    if (!listening) return;
    const target: unknown = e.command[e.commandName];
    listening.push(`${e.commandName} ${typeof target === 'string' ? target : ''}`.trim());
    commands.push(e.command);
  });
  sink = await startSmtpSink();
  t = buildTestApp({ SMTP_URL: sink.url });
});
afterAll(async () => {
  const table = Object.entries(measured).map(([k, v]) => `${k}: ${v.length} [${v.join(', ')}]`);
  process.stdout.write(`round trips per request\n  ${table.join('\n  ')}\n`);
  await sink.close();
  await mongoose.connection.dropDatabase().catch(() => undefined);
  await mongoose.disconnect();
});

const measured: Record<string, string[]> = {};

async function measure(fn: () => Promise<unknown>, name?: string): Promise<string[]> {
  const seen: string[] = [];
  if (name) measured[name] = seen;
  listening = seen;
  try {
    await fn();
  } finally {
    listening = undefined;
  }
  return seen;
}

async function members(n: number): Promise<string[]> {
  const users = await Promise.all(Array.from({ length: n }, () => createUser({ phone: nextPhone() })));
  return users.map((u) => u.phone!);
}

const strangers = (n: number, prefix: string) =>
  Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(6, '0')}`);

async function agentWithPhone() {
  const u = await createUser({ phone: nextPhone() });
  return { ...u, agent: await loginAgent(t.app, u.email, u.password) };
}

describe('round trips', () => {
  it('when upload_contacts gets 5 numbers or 3,000 then it costs the same queries', async () => {
    const me = await agentWithPhone();
    const few = [...(await members(2)), ...strangers(3, '0044711')];
    const many = [...(await members(40)), ...strangers(2_960, '0044712')];
    const send = (numbers: string[]) => () =>
      androidBody(me.agent.post('/upload_contacts'), { contacts: JSON.stringify(numbers) }).expect(200);
    const small = await measure(send(few), 'upload_contacts 5 numbers');
    expect(await measure(send(many), 'upload_contacts 3,000 numbers')).toEqual(small);
    // Two of them are the daily lookup quota: the day's last entry, then the next one.
    const quota = ['find quota_seq', 'insert quota_seq'];
    expect(small.filter((c) => c.endsWith(' quota_seq'))).toEqual(quota);
    expect(small.length).toBeLessThanOrEqual(7);
  });

  it('when a book of 3 or 2,000 contacts is uploaded and read then both cost the same queries', async () => {
    const small = await agentWithPhone();
    const large = await agentWithPhone();
    const book = (phones: string[]) => JSON.stringify(phones.map((tel, i) => ({ tel, name: `N${i}` })));
    const smallBook = book([...(await members(2)), ...strangers(1, '0044713')]);
    const largeBook = book([...(await members(30)), ...strangers(1_970, '0044714')]);
    const first = await measure(
      () => androidBody(small.agent.post('/upload_address_book'), { address_book: smallBook }).expect(200),
      'upload_address_book first, 3 contacts',
    );
    const second = await measure(
      () => androidBody(large.agent.post('/upload_address_book'), { address_book: largeBook }).expect(200),
      'upload_address_book first, 2,000 contacts',
    );
    expect(second).toEqual(first);
    const readSmall = await measure(
      () => small.agent.get('/get_address_book').expect(200),
      'get_address_book 3',
    );
    expect(
      await measure(() => large.agent.get('/get_address_book').expect(200), 'get_address_book 2,000'),
    ).toEqual(readSmall);
    expect(readSmall.length).toBeLessThanOrEqual(7);
  });

  it('when the other account routes run then each costs a handful of queries', async () => {
    const email = `rt${Date.now()}@example.com`;
    const pw = sha256Hex('rt');
    const signup = () => androidBody(request(t.app).post('/signup'), { email, password: pw }).expect(200);
    expect((await measure(signup, 'signup')).length).toBeLessThanOrEqual(4);
    let agent = request.agent(t.app);
    const login = async () => {
      agent = await loginAgent(t.app, email, pw);
    };
    // The user, the places of its live sessions, the failure count (insert, count, and
    // removal since the login did not fail), one session write and one user update. A
    // login over a live session of the same user skips the places (the device is known)
    // but reads that session; it never deletes it.
    expect((await measure(login, 'login')).length).toBeLessThanOrEqual(7);
    const relogin = () =>
      androidBody(agent.post('/login'), { email, password: pw, os: 'android', reg_id: 'agent-token' }).expect(
        200,
      );
    expect((await measure(relogin, 'login over a previous session')).length).toBeLessThanOrEqual(7);
    await agent.get('/get_address_book').expect(200);
    const phone = () =>
      androidBody(agent.post('/define_first_phone_number'), {
        phone_number: nextPhone(),
        os: 'ios',
        reg_id: '',
      }).expect(200);
    expect((await measure(phone, 'define_first_phone_number (no bottles)')).length).toBeLessThanOrEqual(10);
    const mail = () => request(t.app).get(`/send_reset_mail?email=${email}`).expect(200);
    expect((await measure(mail, 'send_reset_mail')).length).toBeLessThanOrEqual(4);
    const received = await sink.waitFor((m) => m.to.includes(email) && m.subject.includes('code'));
    const code = /: ([A-Z0-9]{6})\n/.exec(received.text)![1]!;
    const reset = () =>
      androidBody(request(t.app).post('/define_new_password'), {
        email,
        verification_code: code,
        new_password: sha256Hex('rt2'),
      }).expect(200);
    // Also the daily cap of wrong codes (insert, count, removal on success) and the end
    // of every session of the user.
    expect((await measure(reset, 'define_new_password')).length).toBeLessThanOrEqual(12);
    await measure(() => agent.post('/logout').expect(200), 'logout');
  });
});

describe('indexes', () => {
  it('when the account and contact routes query the database then every query is served by a declared index', () => {
    const indexes = new Map<string, string[][]>();
    for (const model of Object.values(mongoose.connection.models)) {
      const name = model.collection.collectionName;
      indexes.set(name, [
        ...(indexes.get(name) ?? []),
        ...model.schema.indexes().map(([f]) => Object.keys(f)),
      ]);
    }
    const plain = (d: Record<string, unknown>) =>
      d.sort instanceof Map ? { ...d, sort: Object.fromEntries(d.sort) } : d;
    const shapes = commands.flatMap((d) => shapesOfCommand(plain(d)));
    expect(shapes.length).toBeGreaterThan(20);
    const smallCatalog = new Set(['send_choices', 'receive_labels', 'status_tiers']);
    const uncovered = shapes
      .filter((s) => !smallCatalog.has(s.collection) && !servingIndex(s, indexes.get(s.collection) ?? []))
      .map(
        (s) =>
          `${s.op} ${s.collection} eq[${s.eq.join(',')}] sort[${s.sort.join(',')}] range[${s.range.join(',')}]`,
      );
    expect([...new Set(uncovered)]).toEqual([]);
  });
});
