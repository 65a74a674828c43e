/**
 * Android pushes through FCM HTTP v1: POST {FCM_API_URL}/v1/projects/<id>/messages:send
 * with a service-account access token. Every call, token request included, is bounded by
 * the send timeout.
 *
 * The sends go over one HTTP/2 connection (undici, `allowH2`): a burst of due messages is
 * many streams on one TLS session instead of one TLS handshake per concurrent send. Node's
 * global fetch is not used for them because it cannot mark a POST as safe to multiplex
 * (see `send`); the token request (fcmAuth.ts) stays on it, HTTP/1.1, once an hour.
 */
import { Agent, request } from 'undici';
import { FcmAccessToken, TokenError, type ServiceAccount } from './fcmAuth';
import {
  parseRetryAfter,
  ttlSeconds,
  type PushContent,
  type PushResult,
  type PushSender,
  type PushTarget,
  type PushTtl,
} from './types';

/**
 * The collapse key of every message push. Any data push makes the Android app fetch all
 * that is due, so a phone that was offline needs only the last one: FCM keeps only the
 * last per key for it (a repeat after a retry or a lease takeover included).
 */
export const FCM_MESSAGE_COLLAPSE_KEY = 'pictever_messages';

/**
 * Data-only messages with string values, as the Android app expects (../shared/CONTRACT.md §4): any
 * non-empty data makes it fetch. High priority so that a due message is not held in Doze;
 * an explicit ttl (FCM's default is its 4-week maximum) so that a text push goes stale
 * sooner. Text pushes keep no collapse key: each teaser is its own news.
 */
export function fcmMessage(token: string, content: PushContent, ttl: PushTtl): object {
  const data =
    content.kind === 'message'
      ? { receiver_reg_id: token }
      : content.kind === 'teaser'
        ? { silent_push: content.text }
        : { little_push: content.text };
  const android = {
    priority: 'high',
    ttl: `${ttlSeconds(content, ttl)}s`,
    ...(content.kind === 'message' ? { collapse_key: FCM_MESSAGE_COLLAPSE_KEY } : {}),
  };
  return { message: { token, data, android } };
}

interface FcmErrorBody {
  error?: {
    code?: number;
    message?: string;
    status?: string;
    details?: { '@type'?: string; errorCode?: string; fieldViolations?: { field?: string }[] }[];
  };
}

function parseError(text: string): NonNullable<FcmErrorBody['error']> {
  try {
    return (JSON.parse(text) as FcmErrorBody).error ?? {};
  } catch {
    return {};
  }
}

/** Classifies an FCM answer. Only answers that name the token delete it. */
export function classifyFcmAnswer(status: number, text: string, retryAfter?: string | null): PushResult {
  if (status === 200) {
    let name = '';
    try {
      const parsed = (JSON.parse(text) as { name?: unknown }).name;
      if (typeof parsed === 'string') name = parsed;
    } catch {
      // a 200 is a success even with an unreadable body
    }
    return { outcome: 'sent', providerId: name };
  }
  const err = parseError(text);
  const codes = (err.details ?? []).map((d) => d.errorCode).filter(Boolean);
  const fields = (err.details ?? []).flatMap((d) => (d.fieldViolations ?? []).map((f) => f.field));
  const reason = `fcm ${status} ${codes[0] ?? err.status ?? ''} ${err.message ?? ''}`.trim().slice(0, 300);
  if (codes.includes('UNREGISTERED')) return { outcome: 'dead_token', reason };
  // The service account is not in the Firebase project that issued the apps' tokens
  // (sender 952675823733): no retry can fix that.
  if (codes.includes('SENDER_ID_MISMATCH'))
    return { outcome: 'config_error', reason, code: 'SENDER_ID_MISMATCH' };
  if (status === 400 && (fields.includes('message.token') || /registration token/i.test(err.message ?? ''))) {
    return { outcome: 'dead_token', reason };
  }
  // 401/403: our credentials (expired token, revoked key, wrong project); may be fixed.
  if (status === 429 || status >= 500 || status === 401 || status === 403) {
    return { outcome: 'temporary', reason, retryAfterMs: parseRetryAfter(retryAfter) };
  }
  return { outcome: 'permanent', reason };
}

export interface FcmOptions {
  /** FCM_API_URL: https, or http to a loopback host. */
  apiUrl: string;
  timeoutMs: number;
  ttl: PushTtl;
  /** Extra trusted CAs; only in-process tests pass it (NODE_EXTRA_CA_CERTS does it for processes). */
  ca?: string[];
}

/**
 * Streams one HTTP/2 session carries at once: undici's default for a peer's limit (the
 * server's SETTINGS lower it), above the worker's WORKER_CONCURRENCY sends in flight.
 */
const MAX_STREAMS = 100;

/**
 * Over TLS, one connection whose streams carry every concurrent send. undici counts an
 * HTTP/2 connection as full after `pipelining` requests (1 by default), and while it is
 * still connecting as full at once: without `connections: 1` a cold burst would open one
 * connection per send. A server that chose HTTP/1.1 would get the sends one after the
 * other on that connection (slower, still correct); FCM speaks HTTP/2. Plain http
 * (loopback only) cannot negotiate HTTP/2, so it keeps one connection per concurrent send.
 */
function fcmDispatcher(url: URL, ca?: string[]): Agent {
  if (url.protocol !== 'https:') return new Agent();
  return new Agent({
    allowH2: true,
    connections: 1,
    pipelining: MAX_STREAMS,
    ...(ca ? { connect: { ca } } : {}),
  });
}

export class FcmSender implements PushSender {
  readonly name = 'fcm';
  private readonly auth: FcmAccessToken;
  private readonly url: string;
  private readonly dispatcher: Agent;

  constructor(
    account: ServiceAccount,
    private readonly options: FcmOptions,
  ) {
    this.auth = new FcmAccessToken(account);
    this.url = `${options.apiUrl.replace(/\/+$/, '')}/v1/projects/${encodeURIComponent(account.project_id)}/messages:send`;
    this.dispatcher = fcmDispatcher(new URL(this.url), options.ca);
  }

  async send(target: PushTarget, content: PushContent): Promise<PushResult> {
    const signal = AbortSignal.timeout(this.options.timeoutMs);
    try {
      const accessToken = await this.auth.get(signal);
      const res = await request(this.url, {
        method: 'POST',
        dispatcher: this.dispatcher,
        headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(fcmMessage(target.token, content, this.options.ttl)),
        signal,
        // undici holds a non-idempotent request back until the connection has nothing else
        // in flight, which would send our POSTs one at a time. Marked idempotent, they
        // share the session, and undici may resend one that a dying connection never
        // answered: harmless here, a repeated data push only makes the app fetch again
        // (the worker's own retries after a timeout can repeat one as well).
        idempotent: true,
      });
      const text = await res.body.text();
      if (res.statusCode === 401) this.auth.invalidate();
      return classifyFcmAnswer(res.statusCode, text, firstHeader(res.headers['retry-after']));
    } catch (err) {
      return { outcome: 'temporary', reason: describeFailure(err, signal) };
    }
  }

  /** Waits for the sends in flight (each bounded by the send timeout), then closes the connection. */
  close(): Promise<void> {
    return this.dispatcher.close();
  }
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function describeFailure(err: unknown, signal: AbortSignal): string {
  if (signal.aborted) return 'fcm timeout';
  if (err instanceof TokenError) return `fcm oauth: ${err.message}`;
  // undici's own errors carry the code; a failed connect is Node's error (ECONNREFUSED…).
  const e = err as { code?: unknown; cause?: { code?: unknown } };
  const code = typeof e.code === 'string' ? e.code : e.cause?.code;
  return `fcm connection error${typeof code === 'string' ? ` ${code}` : ''}`;
}
