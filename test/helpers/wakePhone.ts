/**
 * One closed Android phone (app 1.1) woken by FCM pushes, as ../shared/CONTRACT.md §2 and
 * the /receive_all section describe it: the process a push starts has no cookie (Android
 * keeps it in memory only), so its first GET /receive_all answers 401; it logs in with the
 * SHA-256 hex it stored and its FCM token, and only if that login answers 200 it re-sends
 * the GET with the new cookie and, as the app does after every login, uploads its phone
 * book and reads the send choices. Any other answer to the login leaves the process blind:
 * it never logs in again and ignores later pushes. Every item of every answer goes on its
 * timeline (Android 1.1 drops no repeat), and the answer's `ts` is the next call's `ts`.
 */
import { encodeForm } from '../../scripts/lib/appClient';

export interface PhoneAccount {
  email: string;
  /** What the app sends as the password: the lowercase hex SHA-256 of the typed one. */
  passwordHex: string;
  /** Its FCM registration token: pushes for it wake this phone. */
  token: string;
  /** The `ts` the app stored (seconds): the time of its last manual login. */
  ts: number;
}

/** A message on the timeline: when it came on screen, and its delivery time (received_at). */
export interface Shown {
  messageId: string;
  dueMs: number;
  shownAt: number;
}

/** An answer's status, or why none came ("no answer: ECONNRESET"). */
export type Outcome = number | string;

export interface PhoneEvents {
  /** Every answered request, by path. */
  answered(path: string, outcome: Outcome): void;
  loginStarted(): void;
  loginEnded(outcome: Outcome, ms: number): void;
}

interface Reply {
  outcome: Outcome;
  text: string;
  cookie?: string;
}

const ANDROID_FORM = 'application/x-www-form-urlencoded; charset=UTF-8';

/** A few phone-book entries (none an account), as /upload_contacts gets them from Android. */
const PHONE_BOOK = ['0033611111111', '0033622222222', '0033633333333'];

export class WakePhone {
  state: 'closed' | 'open' | 'blind' = 'closed';
  readonly timeline: Shown[] = [];
  pushes = 0;
  /** Pushes that came while the process was blind. */
  ignored = 0;
  private cookie = '';
  private ts: number;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    readonly account: PhoneAccount,
    private readonly baseUrl: string,
    private readonly events: PhoneEvents,
    private readonly signal: AbortSignal,
  ) {
    this.ts = account.ts;
  }

  /** A push reached the phone: one wake after any still running (one app process). */
  push(): Promise<void> {
    this.pushes += 1;
    this.chain = this.chain.then(() => this.wake());
    return this.chain;
  }

  private async wake(): Promise<void> {
    if (this.state === 'blind') {
      this.ignored += 1;
      return;
    }
    const first = await this.receiveAll();
    if (first.outcome !== 401) return;
    if (!(await this.login())) return;
    // Android re-sends the GET it held and, after a login, uploads its book and reads choices.
    await Promise.all([
      this.receiveAll(),
      this.request('POST', '/upload_contacts', encodeForm('android', { contacts: PHONE_BOOK })),
      this.request('GET', '/get_send_choices'),
    ]);
  }

  private async login(): Promise<boolean> {
    const form = encodeForm('android', {
      email: this.account.email,
      password: this.account.passwordHex,
      os: 'android',
      reg_id: this.account.token,
      app_version: '1.1',
    });
    this.events.loginStarted();
    const started = Date.now();
    const reply = await this.request('POST', '/login', form);
    this.events.loginEnded(reply.outcome, Date.now() - started);
    if (reply.outcome !== 200 || !reply.cookie) {
      this.state = 'blind'; // Android never repeats a /login itself
      return false;
    }
    this.cookie = reply.cookie;
    this.state = 'open';
    return true;
  }

  private async receiveAll(): Promise<Reply> {
    const reply = await this.request('GET', `/receive_all?ts=${this.ts}`);
    if (reply.outcome !== 200) return reply;
    const shownAt = Date.now();
    const page = JSON.parse(reply.text) as {
      ts: number;
      new_messages: { message_id: string; received_at: string }[];
    };
    for (const m of page.new_messages) {
      this.timeline.push({ messageId: m.message_id, dueMs: Number(m.received_at) * 1000, shownAt });
    }
    this.ts = page.ts;
    return reply;
  }

  private async request(method: string, path: string, body?: string): Promise<Reply> {
    const headers: Record<string, string> = {};
    if (this.cookie) headers.cookie = this.cookie;
    if (body !== undefined) headers['content-type'] = ANDROID_FORM;
    const name = path.split('?')[0]!;
    try {
      const res = await fetch(new URL(path, this.baseUrl), { method, headers, body, signal: this.signal });
      const text = await res.text();
      this.events.answered(name, res.status);
      const cookie = res.headers.get('set-cookie')?.split(';')[0];
      return { outcome: res.status, text, cookie };
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
      const outcome = `no answer: ${cause}`;
      this.events.answered(name, outcome);
      return { outcome, text: '' };
    }
  }
}
