/**
 * App-shaped virtual users for the load and fault runs: each signs up, logs in with a
 * push token, defines a phone, then loops send / receive_all / counts (and logs in again
 * now and then), recording every answer's status and latency. Then the delivery check:
 * every message stored, delivered, and pushed exactly once to its receiver's token.
 */
import { randomBytes } from 'node:crypto';
import { Message, PushOutcome } from '../../src/models';
import { AppClient, type Answer } from './appClient';
import { timedOut } from './hardeningFaults';
import type { Stack } from './hardeningStack';

/** How long one request may take before it counts as hung (the fault runs use 15 s). */
export const requestLimitMs = { value: 15_000 };

export interface VUser {
  client: AppClient;
  email: string;
  password: string;
  token: string;
  userId: string;
  phone: string;
  ts: number;
}

export interface OpRecord {
  op: string;
  status: number;
  ms: number;
  at: number;
  error?: string;
  /** The start of the answer's text, for a status other than 200 (which 503: busy or database). */
  reason?: string;
}

export async function timed(
  records: OpRecord[],
  op: string,
  fn: () => Promise<Answer>,
): Promise<Answer | undefined> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(timedOut)), requestLimitMs.value);
  });
  try {
    const a = await Promise.race([fn(), limit]);
    const reason = a.status === 200 ? undefined : a.text.slice(0, 60);
    records.push({
      op,
      status: a.status,
      ms: Date.now() - started,
      at: started,
      ...(reason ? { reason } : {}),
    });
    return a;
  } catch (err) {
    records.push({ op, status: 0, ms: Date.now() - started, at: started, error: (err as Error).message });
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Repeats a request answered 503 (at most 20 times, about a second apart, with jitter so
 * that the clients spread), as Android repeats a POST after a 503: 60 clients signing up
 * at once could overfill the bcrypt queue of a 2-core machine (PASSWORD_MAX_WAIT_MS).
 */
async function repeatAfter503(fn: () => Promise<Answer>): Promise<Answer> {
  for (let attempt = 1; ; attempt++) {
    const answer = await fn();
    if (answer.status !== 503 || attempt >= 20) return answer;
    await new Promise((r) => setTimeout(r, 1000 * (1 + Math.random())));
  }
}

export async function makeUsers(baseUrl: string, n: number, tag: string): Promise<VUser[]> {
  const users: VUser[] = [];
  const run = randomBytes(3).toString('hex');
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const kind = i % 2 === 0 ? 'android' : 'ios';
      const client = new AppClient(baseUrl, kind);
      const email = `${tag}${i}.${run}@load.pictever.com`;
      const password = `pw-${i}-${run}`;
      const token = kind === 'ios' ? randomBytes(32).toString('hex') : `fcm-${tag}-${i}-${run}`;
      const phone = `00336${run.slice(0, 2).replace(/[a-f]/g, '7')}${String(i).padStart(6, '0')}`;
      const signup = await repeatAfter503(() => client.signup(email, password, 'US'));
      const login = await repeatAfter503(() => client.login(email, password, token));
      const define = await repeatAfter503(() => client.definePhone(phone, token));
      for (const [what, a] of [
        ['signup', signup],
        ['login', login],
        ['phone', define],
      ] as const) {
        if (a.status !== 200) throw new Error(`${what} of ${email}: ${a.status} ${a.text.slice(0, 100)}`);
      }
      const userId = (JSON.parse(login.text) as { user_id: string }).user_id;
      users[i] = { client, email, password, token, phone, ts: 0, userId };
    }),
  );
  return users;
}

export interface LoadOutcome {
  records: OpRecord[];
  sent: Map<string, string>; // message text -> receiver user id, for sends answered 200
  attempted: number;
}

/** Each user loops until `until` (ms epoch); `pauseMs` between two loops. */
export async function runUsers(
  users: VUser[],
  until: () => boolean,
  tag: string,
  outcome: LoadOutcome,
): Promise<void> {
  let seq = 0;
  await Promise.all(
    users.map(async (u, i) => {
      let loop = 0;
      while (!until()) {
        loop += 1;
        const to = users[(i + 1 + Math.floor(Math.random() * (users.length - 1))) % users.length]!;
        const text = `${tag}-${i}-${++seq}`;
        outcome.attempted += 1;
        const send = await timed(outcome.records, 'send', () => u.client.send([`id${to.userId}`], text));
        if (send?.status === 200) outcome.sent.set(text, to.userId);
        if (send?.status === 401)
          await timed(outcome.records, 'login', () => u.client.login(u.email, u.password, u.token));
        const recv = await timed(outcome.records, 'receive_all', () => u.client.receiveAll(u.ts));
        if (recv?.status === 200) u.ts = Math.max(0, (JSON.parse(recv.text) as { ts: number }).ts - 5);
        await timed(outcome.records, 'future_count', () => u.client.get('/get_number_of_future_messages'));
        await timed(outcome.records, 'my_status', () => u.client.get('/get_my_status'));
        if (loop % 25 === 0)
          await timed(outcome.records, 'login', () => u.client.login(u.email, u.password, u.token));
      }
    }),
  );
}

export interface DeliveryCheck {
  stored: number;
  accepted: number;
  delivered: number;
  pending: number;
  notSent: number;
  pushes: number;
  tokensWrong: number;
  problems: string[];
  waitedMs: number;
}

/** Waits until no message of the run is pending (or the timeout), then compares with the fakes. */
export async function checkDelivery(
  stack: Stack,
  users: VUser[],
  sent: Map<string, string>,
  tag: string,
  timeoutMs = 120_000,
  onPending: (pending: number, waitedMs: number) => void = () => {},
): Promise<DeliveryCheck> {
  const started = Date.now();
  const re = new RegExp(`^${tag}-`);
  // A message is pending until its push outcome is recorded (push_outcomes).
  const outcomesOf = async () => {
    // The text is encrypted at rest: it is matched once read, not in the query.
    const all = await Message.find({}, { message: 1, receiver_id: 1 }).lean();
    const msgs = all.filter((m) => re.test(m.message));
    const outcomes = await PushOutcome.find({ message_id: { $in: msgs.map((m) => m._id) } }).lean();
    return { msgs, outcome: new Map(outcomes.map((o) => [String(o.message_id), o.outcome])) };
  };
  for (let i = 0; ; i++) {
    const pending = await outcomesOf().then(
      ({ msgs, outcome }) => msgs.filter((m) => m.receiver_id && !outcome.has(String(m._id))).length,
      () => -1,
    );
    if (pending === 0 || Date.now() - started > timeoutMs) break;
    if (i % 15 === 0) onPending(pending, Date.now() - started);
    await new Promise((r) => setTimeout(r, 1000));
  }
  const waitedMs = Date.now() - started;
  const { msgs, outcome } = await outcomesOf();
  const problems: string[] = [];
  const byText = new Map<string, number>();
  for (const m of msgs) byText.set(m.message, (byText.get(m.message) ?? 0) + 1);
  for (const [text] of sent)
    if ((byText.get(text) ?? 0) !== 1)
      problems.push(`accepted send ${text} stored ${byText.get(text) ?? 0} times`);
  for (const [text, n] of byText) if (n > 1) problems.push(`${text} stored ${n} times`);
  const perReceiver = new Map<string, number>();
  for (const m of msgs) {
    const r = m.receiver_id?.toHexString() ?? '';
    perReceiver.set(r, (perReceiver.get(r) ?? 0) + 1);
  }
  let pushes = 0;
  let tokensWrong = 0;
  for (const u of users) {
    const got = stack.fcm.forToken(u.token).length + stack.apns.forToken(u.token).length;
    pushes += got;
    const want = perReceiver.get(u.userId) ?? 0;
    if (got !== want) {
      tokensWrong += 1;
      if (tokensWrong <= 10) problems.push(`user ${u.userId}: ${want} messages, ${got} pushes`);
    }
  }
  const outcomeOf = (m: { _id: unknown }) => outcome.get(String(m._id));
  const delivered = msgs.filter((m) =>
    ['sent', 'no_token', 'dead_token'].includes(outcomeOf(m) ?? ''),
  ).length;
  const notSent = msgs.filter((m) => outcomeOf(m) !== 'sent').length;
  return {
    stored: msgs.length,
    accepted: sent.size,
    delivered,
    pending: msgs.filter((m) => outcomeOf(m) === undefined).length,
    notSent,
    pushes,
    tokensWrong,
    problems,
    waitedMs,
  };
}
