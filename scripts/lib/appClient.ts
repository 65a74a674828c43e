/**
 * An HTTP client that talks to the server the way the apps do: form bodies (iOS raw and
 * unencoded with pretty JSON, Android percent-encoded with compact JSON), a session
 * cookie, the SHA-256 hex password. Used by the benchmarks, the load and fuzz runs and
 * the index coverage scenario; the tests use supertest instead.
 */
import { createHash } from 'node:crypto';

export type AppKind = 'ios' | 'android';

export interface Answer {
  status: number;
  text: string;
}

export const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/** Encodes a form the way each app does (../shared/CONTRACT.md §1). */
export function encodeForm(kind: AppKind, fields: Record<string, string | unknown[] | object>): string {
  return Object.entries(fields)
    .map(([k, v]) => {
      const value =
        typeof v === 'string'
          ? v
          : kind === 'ios'
            ? JSON.stringify(v, null, 2).replace(/\//g, '\\/')
            : JSON.stringify(v);
      return kind === 'ios' ? `${k}=${value}` : `${k}=${encodeURIComponent(value)}`;
    })
    .join('&');
}

export class AppClient {
  private cookie = '';

  constructor(
    readonly baseUrl: string,
    readonly kind: AppKind = 'android',
  ) {}

  /** The `Cookie` header the client sends: `session=<value>` once logged in, else "". */
  get cookieHeader(): string {
    return this.cookie;
  }

  async get(path: string): Promise<Answer> {
    return this.request('GET', path);
  }

  async post(path: string, fields: Record<string, string | unknown[] | object>): Promise<Answer> {
    return this.request('POST', path, encodeForm(this.kind, fields));
  }

  async request(
    method: string,
    path: string,
    body?: string,
    contentType?: string,
    extraHeaders: Record<string, string> = {},
  ): Promise<Answer> {
    const headers: Record<string, string> = { ...extraHeaders };
    if (this.cookie) headers.cookie = this.cookie;
    if (body !== undefined) {
      headers['content-type'] =
        contentType ??
        (this.kind === 'android'
          ? 'application/x-www-form-urlencoded; charset=UTF-8'
          : 'application/x-www-form-urlencoded');
    }
    // Redirects are answers to check (the console's 303s), never followed.
    const res = await fetch(new URL(path, this.baseUrl), { method, headers, body, redirect: 'manual' });
    const setCookie = res.headers.get('set-cookie');
    if (setCookie) this.cookie = setCookie.split(';')[0] ?? '';
    return { status: res.status, text: await res.text() };
  }

  signup(email: string, password: string, countryCode = 'FR'): Promise<Answer> {
    return this.post('/signup', { email, password: sha256(password), country_code: countryCode });
  }

  login(email: string, password: string, regId = ''): Promise<Answer> {
    return this.post('/login', {
      email,
      password: sha256(password),
      os: this.kind,
      reg_id: regId,
      app_version: this.kind === 'ios' ? '2.2' : '1.1',
    });
  }

  definePhone(phone: string, regId = ''): Promise<Answer> {
    return this.post('/define_first_phone_number', { phone_number: phone, os: this.kind, reg_id: regId });
  }

  send(receivers: string[], message: string, deliveryOption?: object): Promise<Answer> {
    const fields: Record<string, string | unknown[] | object> = {
      message,
      receiver_ids: receivers,
      photo_id: '',
    };
    if (deliveryOption) fields.delivery_option = deliveryOption;
    return this.post('/send', fields);
  }

  receiveAll(ts: number): Promise<Answer> {
    return this.get(`/receive_all?ts=${ts}`);
  }
}

/** Throws unless the answer has the expected status: scenario steps must not fail silently. */
export function expectStatus(answer: Answer, status: number, what: string): Answer {
  if (answer.status !== status) {
    throw new Error(`${what}: expected ${status}, got ${answer.status} ${answer.text.slice(0, 200)}`);
  }
  return answer;
}
