/**
 * README "Exactly once": a client that sends back each answer's ts and keeps every item (as
 * Android 1.1 does) sees each message exactly once, while six senders send "now" and calendar
 * messages due within the look-ahead through a second web process, on the real clock, with
 * the default settings. The original answered ts = now: the look-ahead's messages came twice,
 * and a "now" message written while a read ran was skipped for good.
 */
import request from 'supertest';
import { buildTestApp, type TestApp } from '../helpers/app';
import { useTestDatabase } from '../helpers/db';
import { startWebChild, type WebChild } from '../helpers/webChildProcess';
import { androidBody } from '../helpers/factories';
import { loggedIn, type Client } from '../helpers/session';

jest.setTimeout(90_000);

const db = useTestDatabase();
const SENDERS = 6;
const SENDS_EACH = 20;
let t: TestApp;
let child: WebChild;
let childUrl: string;

beforeAll(async () => {
  t = buildTestApp();
  child = await startWebChild(db.uri());
  childUrl = child.url;
}, 60_000);

afterAll(() => child.stop());

/** "now", or a calendar time 1 to 3 s ahead (within the look-ahead once sent). */
function option(i: number): string {
  if (i % 2 === 0) return '';
  return JSON.stringify({
    type: 'calendar',
    parameters: String(Math.floor(Date.now() / 1000) + (i % 3) + 1),
  });
}

async function sendAll(sender: Client, receiverId: string, n: number, texts: string[]): Promise<void> {
  for (let i = 0; i < SENDS_EACH; i++) {
    const text = `from ${n}: ${i}`;
    await androidBody(request(childUrl).post('/send').set('Cookie', sender.cookie), {
      message: text,
      receiver_ids: JSON.stringify([`id${receiverId}`]),
      delivery_option: option(i),
    }).expect(200);
    texts.push(text);
    await new Promise((resolve) => setTimeout(resolve, 20 + ((i * 37) % 60)));
  }
}

describe('a client that sends back each ts and keeps repeats', () => {
  it('when it polls while six senders send now and within the look-ahead then it sees each message exactly once', async () => {
    const receiver = await loggedIn(t.app);
    const senders = await Promise.all(Array.from({ length: SENDERS }, () => loggedIn(t.app)));
    const sent: string[] = [];
    const seen: string[] = [];
    let ts = String(Date.now() / 1000);
    let polls = 0;
    const poll = async () => {
      const res = await receiver.get(`/receive_all?ts=${ts}`).expect(200);
      ts = /^\{"ts": ([^,]+),/.exec(res.text)![1]!;
      for (const m of res.body.new_messages as { message: string }[]) seen.push(m.message);
      polls++;
    };
    let sending = true;
    const sends = Promise.all(senders.map((s, n) => sendAll(s, receiver.user.id, n, sent))).finally(() => {
      sending = false;
    });
    while (sending) await poll();
    await sends;
    // Everything sent is due within WRITE_SETTLE_MS (6 s); poll until that has passed.
    const end = Date.now() + 8_000;
    while (Date.now() < end) {
      await poll();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    expect(sent).toHaveLength(SENDERS * SENDS_EACH);
    expect(polls).toBeGreaterThan(50);
    const counts = new Map<string, number>();
    for (const text of seen) counts.set(text, (counts.get(text) ?? 0) + 1);
    const skipped = sent.filter((text) => !counts.has(text));
    const repeated = [...counts].filter(([, n]) => n > 1);
    expect({ skipped, repeated }).toEqual({ skipped: [], repeated: [] });
    expect(seen).toHaveLength(sent.length);
  });
});
