/**
 * /receive_all never answers more than RECEIVE_MAX messages (README "Limits"): the oldest
 * ones, and a `ts` from which the app's next call continues. These tests follow an app
 * through successive calls, each sending back the `ts` of the previous answer as the apps
 * do (iOS as the JSON number's text, Android as Java's Double.toString writes it), over
 * messages that share delivery times across page boundaries.
 *
 * What they assert: every message of the window is answered exactly once over the calls
 * (no message skipped, and none repeated either: a page ends where a delivery time ends,
 * so the next window starts after everything answered); every page holds at most
 * RECEIVE_MAX messages, except a page made of one instant that more than RECEIVE_MAX
 * messages share, which holds exactly those; `ts` grows at every call and the last
 * answer's `ts` is now, as before paging existed. The one exception, a flood of more than
 * 4 x RECEIVE_MAX messages in one millisecond, is shown bounded (and what it skips).
 */
import type { Types } from 'mongoose';
import { Message } from '../../src/models';
import { buildTestApp, type TestApp } from '../helpers/app';
import { useTestDatabase } from '../helpers/db';
import { storeMessages, testClock } from '../helpers/messageFactories';
import { loggedIn, type Client } from '../helpers/session';

useTestDatabase();
const clock = testClock(Date.UTC(2025, 9, 1, 12, 0, 0));
const MAX = 5;
let t: TestApp;
let sender: Client;

interface Answer {
  ts: number;
  tsText: string;
  items: { message_id: string; received_at: string; message: string }[];
}

/** One call as an app makes it; `ts` is read from the raw body, as the apps' JSON parsers do. */
async function receive(c: Client, ts: string): Promise<Answer> {
  const res = await c.get(`/receive_all?ts=${ts}`).expect(200);
  const tsText = /^\{"ts": ([^,]+),/.exec(res.text)![1]!;
  return { ts: Number(tsText), tsText, items: res.body.new_messages };
}

/** Android keeps `ts` as Double.toString prints it: 1.7593056E9, never with a `+`. */
const javaDouble = (n: number) => n.toExponential().replace('e+', 'E');

/** Where a window that holds everything ends: the answer's ts, the look-ahead past now. */
const windowEnd = () => (clock.now().getTime() + t.config.CLOCK_SKEW_ALLOWANCE_MS) / 1000;

/** Calls until the answer's ts is the window's end; returns the pages. */
async function readAll(c: Client, startTs: string, style: 'ios' | 'android' | 'both') {
  const pages: Answer[] = [];
  let ts = startTs;
  for (let call = 0; call < 50; call++) {
    const answer = await receive(c, ts);
    pages.push(answer);
    if (answer.ts === windowEnd()) return pages;
    const android = style === 'android' || (style === 'both' && call % 2 === 1);
    ts = android ? javaDouble(answer.ts) : answer.tsText;
  }
  throw new Error('receive_all never reached the window’s end');
}

beforeAll(async () => {
  t = buildTestApp({ RECEIVE_MAX: String(MAX) }, { now: clock.now });
  sender = await loggedIn(t.app, {});
});

/** Stores, for each [time (ms), n], n delivered messages at that time; returns all the receiver's ids. */
async function messagesAt(receiver: Types.ObjectId, groups: [number, number][]): Promise<string[]> {
  const list = groups.flatMap(([at, n], g) =>
    Array.from({ length: n }, (_, i) => ({
      sender: sender.user.oid,
      receiver,
      created: new Date(at - 86_400_000),
      delivery: new Date(at),
      message: `g${g} #${i}`,
    })),
  );
  await storeMessages(list);
  const stored = await Message.find({ receiver_id: receiver }, { _id: 1 }).lean();
  return stored.map((m) => m._id.toHexString()).sort();
}

describe('GET /receive_all above RECEIVE_MAX messages', () => {
  it('when delivery times are shared across page boundaries then every message comes exactly once, oldest first', async () => {
    const reader = await loggedIn(t.app, {});
    const base = clock.now().getTime() - 3_600_000;
    const groups: [number, number][] = [
      [base, 2],
      [base + 1_000, 4], // straddles the first page's end (2 + 4 > 5)
      [base + 1_500, 1],
      [base + 2_000, 7], // more than RECEIVE_MAX at one instant
      [base + 2_001, 3], // the millisecond after it
      [base + 9_000, 5], // exactly a page
      [base + 10_000, 1],
    ];
    const ids = await messagesAt(reader.user.oid, groups);
    expect(ids).toHaveLength(23);

    const pages = await readAll(reader, String((base - 1_000) / 1000), 'both');
    const answered = pages.flatMap((p) => p.items.map((i) => i.message_id));
    expect([...answered].sort()).toEqual(ids); // none skipped
    expect(new Set(answered).size).toBe(answered.length); // none repeated
    expect(pages.map((p) => p.items.length)).toEqual([2, 5, 7, 3, 5, 1]);
    // The instant page holds exactly the seven messages of that millisecond.
    expect(new Set(pages[2]!.items.map((i) => i.message.split(' ')[0]))).toEqual(new Set(['g3']));
    const tss = pages.map((p) => p.ts);
    expect(tss).toEqual([...tss].sort((a, b) => a - b));
    expect(new Set(tss).size).toBe(tss.length);
    expect(tss.at(-1)).toBe(windowEnd());
    // Oldest first within and across pages.
    const received = pages.flatMap((p) => p.items.map((i) => Number(i.received_at)));
    expect(received).toEqual([...received].sort((a, b) => a - b));
  });

  it('when a flood puts more than 4 x RECEIVE_MAX messages in one millisecond then that page stops at 4 x RECEIVE_MAX', async () => {
    const reader = await loggedIn(t.app, {});
    const at = clock.now().getTime() - 5_000;
    const ids = await messagesAt(reader.user.oid, [
      [at, 4 * MAX + 3],
      [at + 1, 2],
    ]);
    const pages = await readAll(reader, String((at - 1) / 1000), 'ios');
    expect(pages.map((p) => p.items.length)).toEqual([4 * MAX, 2]);
    expect(pages[0]!.ts).toBe((at + 1) / 1000);
    const answered = pages.flatMap((p) => p.items.map((i) => i.message_id));
    expect(new Set(answered).size).toBe(answered.length);
    // The bound's price, and only there: 3 messages of the flooded millisecond are never answered.
    expect(ids.filter((id) => !answered.includes(id))).toHaveLength(3);
  });

  it('when an app sends back ts as Android writes it then the calls continue the same way', async () => {
    const reader = await loggedIn(t.app, {});
    const base = clock.now().getTime() - 7_200_000 + 123; // a fraction of a second in every ts
    const ids = await messagesAt(reader.user.oid, [
      [base, 3],
      [base + 1, 3],
      [base + 2, 3],
    ]);
    const pages = await readAll(reader, javaDouble((base - 60_000) / 1000), 'android');
    const answered = pages.flatMap((p) => p.items.map((i) => i.message_id));
    expect([...answered].sort()).toEqual(ids);
    expect(new Set(answered).size).toBe(9);
    expect(pages.map((p) => p.items.length)).toEqual([3, 3, 3]);
    expect(pages[0]!.tsText).toBe(String((base + 1) / 1000)); // the cut's time, to the millisecond
  });

  it('when the window holds at most RECEIVE_MAX messages then one answer holds them all and ts is the window’s end', async () => {
    const reader = await loggedIn(t.app, {});
    const ids = await messagesAt(reader.user.oid, [[clock.now().getTime() - 1_000, MAX]]);
    const answer = await receive(reader, '0');
    expect(answer.items.map((i) => i.message_id).sort()).toEqual(ids);
    expect(answer.ts).toBe(windowEnd());
  });

  it('when blocked or future messages are mixed in then they neither count toward a page nor show', async () => {
    const reader = await loggedIn(t.app, {});
    const base = clock.now().getTime() - 600_000;
    await storeMessages([
      ...Array.from({ length: 8 }, (_, i) => ({
        sender: sender.user.oid,
        receiver: reader.user.oid,
        delivery: new Date(base + i),
        blocked: true,
      })),
      {
        sender: sender.user.oid,
        receiver: reader.user.oid,
        delivery: new Date(clock.now().getTime() + 60_000),
      },
      ...Array.from({ length: 4 }, (_, i) => ({
        sender: sender.user.oid,
        receiver: reader.user.oid,
        delivery: new Date(base + 100 + i),
        message: 'visible',
      })),
    ]);
    const answer = await receive(reader, '0');
    expect(answer.items.map((i) => i.message)).toEqual(['visible', 'visible', 'visible', 'visible']);
    expect(answer.ts).toBe(windowEnd());
  });
});
