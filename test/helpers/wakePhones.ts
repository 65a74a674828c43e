/**
 * A fleet of closed Android phones (./wakePhone.ts) behind the fake FCM: when the fake has
 * answered a push for a fleet token (accepted it), that phone wakes, asynchronously, as
 * the real phone would when FCM delivers it. The fake keeps its own protocol; the fleet
 * only reads what it recorded (a poll every 10 ms, so a wake may come up to 10 ms after
 * the acceptance). Used by test/integration/wake.wave.test.ts and the bench's wake phase.
 */
import { setMaxListeners } from 'node:events';
import { encodeForm } from '../../scripts/lib/appClient';
import type { FakeFcm } from './fakeFcm';
import { WakePhone, type Outcome, type PhoneAccount } from './wakePhone';

export type { PhoneAccount } from './wakePhone';

export interface WakeReport {
  phones: number;
  /** Phones that got at least one push, and the pushes they got (a worker's retry is a second). */
  woken: number;
  pushes: number;
  /** Distinct messages on some timeline, and those of `expected` on none. */
  shown: number;
  notShown: string[];
  /** Timeline items beyond the first of a message on a phone (Android keeps repeats). */
  duplicates: number;
  /** Logins answered with anything but 200 (or no answer), by status. */
  refused: Record<string, number>;
  /** Logins still waiting for their answer. */
  loginsUnanswered: number;
  /** Phones that went blind (a refused login), and pushes they ignored afterwards. */
  blind: number;
  ignoredPushes: number;
  logins: number;
  /** Due-to-screen: the first time a message was on screen minus its delivery time, ms. */
  dueToScreen: Quantiles | undefined;
  loginMs: Quantiles | undefined;
  /** Every answer by "path status", e.g. "/receive_all 401". */
  answers: Record<string, number>;
}

export interface Quantiles {
  p50: number;
  p99: number;
  max: number;
}

const POLL_MS = 10;

/** Nearest-rank quantiles of a list of numbers. */
export function quantiles(values: number[]): Quantiles | undefined {
  if (!values.length) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
  return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1]! };
}

const bump = (m: Record<string, number>, key: string) => (m[key] = (m[key] ?? 0) + 1);

export class WakeFleet {
  private readonly phones = new Map<string, WakePhone>();
  private readonly abort = new AbortController();
  private readonly running = new Set<Promise<void>>();
  private readonly refused: Record<string, number> = {};
  private readonly answers: Record<string, number> = {};
  private readonly loginMs: number[] = [];
  private loginsInFlight = 0;
  private logins = 0;
  private cursor = 0;
  /** Indexes of recorded pushes the fake has not answered yet. */
  private unanswered: number[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly fcm: FakeFcm,
    baseUrl: string,
    accounts: PhoneAccount[],
  ) {
    const events = {
      answered: (path: string, outcome: Outcome) => bump(this.answers, `${path} ${outcome}`),
      loginStarted: () => {
        this.loginsInFlight += 1;
        this.logins += 1;
      },
      loginEnded: (outcome: Outcome, ms: number) => {
        this.loginsInFlight -= 1;
        this.loginMs.push(ms);
        if (outcome !== 200) bump(this.refused, String(outcome));
      },
    };
    setMaxListeners(0, this.abort.signal); // every request in flight listens to it
    for (const a of accounts) this.phones.set(a.token, new WakePhone(a, baseUrl, events, this.abort.signal));
  }

  /** Listens from now on: pushes the fake recorded before are not the fleet's. */
  start(): void {
    this.cursor = this.fcm.requests.length;
    this.timer = setInterval(() => this.poll(), POLL_MS);
  }

  private poll(): void {
    const requests = this.fcm.requests;
    for (; this.cursor < requests.length; this.cursor += 1) this.unanswered.push(this.cursor);
    this.unanswered = this.unanswered.filter((i) => {
      const r = requests[i]!;
      if (r.answeredAt === undefined) return true;
      const phone = this.phones.get(r.token);
      // Any non-empty data makes the app fetch (CONTRACT §4); a scripted error is no delivery.
      if (phone && Object.keys(r.data ?? {}).length > 0) this.wake(phone);
      return false;
    });
  }

  private wake(phone: WakePhone): void {
    const run = phone.push();
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
  }

  /** True when every push the fake took was answered and every woken phone is done. */
  idle(): boolean {
    this.poll();
    return this.unanswered.length === 0 && this.running.size === 0;
  }

  /** What the phones saw so far; `expected` are the message ids that should be shown. */
  report(expected: Iterable<string> = []): WakeReport {
    const first = new Map<string, number>();
    let duplicates = 0;
    let woken = 0;
    let pushes = 0;
    let blind = 0;
    let ignoredPushes = 0;
    for (const phone of this.phones.values()) {
      if (phone.pushes > 0) woken += 1;
      pushes += phone.pushes;
      if (phone.state === 'blind') blind += 1;
      ignoredPushes += phone.ignored;
      const mine = new Set<string>();
      for (const item of phone.timeline) {
        if (mine.has(item.messageId)) duplicates += 1;
        mine.add(item.messageId);
        const lag = item.shownAt - item.dueMs;
        if (!first.has(item.messageId) || lag < first.get(item.messageId)!) first.set(item.messageId, lag);
      }
    }
    return {
      phones: this.phones.size,
      woken,
      pushes,
      shown: first.size,
      notShown: [...expected].filter((id) => !first.has(id)),
      duplicates,
      refused: { ...this.refused },
      loginsUnanswered: this.loginsInFlight,
      blind,
      ignoredPushes,
      logins: this.logins,
      dueToScreen: quantiles([...first.values()]),
      loginMs: quantiles(this.loginMs),
      answers: { ...this.answers },
    };
  }

  /** Stops listening and abandons the requests still waiting (report first). */
  stop(): void {
    clearInterval(this.timer);
    this.abort.abort();
  }
}

/**
 * Each account's manual login before the app was closed (its session stays in the store;
 * the phone forgets the cookie): returns the accounts with the `ts` that login gave the
 * app. `parallel` at a time; a 503 is waited out, since this is set-up, not the wave.
 */
export async function loginEachOnce(
  baseUrl: string,
  accounts: Omit<PhoneAccount, 'ts'>[],
  parallel = 4,
): Promise<PhoneAccount[]> {
  const out: PhoneAccount[] = [];
  let next = 0;
  const one = async (a: Omit<PhoneAccount, 'ts'>) => {
    const body = encodeForm('android', {
      email: a.email,
      password: a.passwordHex,
      os: 'android',
      reg_id: a.token,
      app_version: '1.1',
    });
    for (let attempt = 0; ; attempt += 1) {
      const res = await fetch(new URL('/login', baseUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' },
        body,
      });
      await res.text();
      if (res.status === 200) return { ...a, ts: Date.now() / 1000 };
      if (res.status !== 503 || attempt >= 50) throw new Error(`set-up login of ${a.email}: ${res.status}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < accounts.length) out.push(await one(accounts[next++]!));
    }),
  );
  return out;
}
