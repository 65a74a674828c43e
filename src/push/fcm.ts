/**
 * Android pushes through FCM HTTP v1: POST {FCM_API_URL}/v1/projects/<id>/messages:send
 * with a service-account access token. Global fetch (undici) keeps connections alive, so
 * sends reuse them. Every call, token request included, is bounded by the send timeout.
 */
import { FcmAccessToken, TokenError, type ServiceAccount } from './fcmAuth';
import {
  parseRetryAfter,
  type PushContent,
  type PushResult,
  type PushSender,
  type PushTarget,
} from './types';

/**
 * Data-only messages with string values, as the Android app expects (../shared/CONTRACT.md §4): any
 * non-empty data makes it fetch. High priority so that a due message is not held in Doze.
 */
export function fcmMessage(token: string, content: PushContent): object {
  const data =
    content.kind === 'message'
      ? { receiver_reg_id: token }
      : content.kind === 'teaser'
        ? { silent_push: content.text }
        : { little_push: content.text };
  return { message: { token, data, android: { priority: 'high' } } };
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

export class FcmSender implements PushSender {
  readonly name = 'fcm';
  private readonly auth: FcmAccessToken;
  private readonly url: string;

  constructor(
    account: ServiceAccount,
    apiUrl: string,
    private readonly timeoutMs: number,
  ) {
    this.auth = new FcmAccessToken(account);
    this.url = `${apiUrl.replace(/\/+$/, '')}/v1/projects/${encodeURIComponent(account.project_id)}/messages:send`;
  }

  async send(target: PushTarget, content: PushContent): Promise<PushResult> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      const accessToken = await this.auth.get(signal);
      const res = await fetch(this.url, {
        method: 'POST',
        headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(fcmMessage(target.token, content)),
        signal,
      });
      const text = await res.text();
      if (res.status === 401) this.auth.invalidate();
      return classifyFcmAnswer(res.status, text, res.headers.get('retry-after'));
    } catch (err) {
      return { outcome: 'temporary', reason: describeFailure(err, signal) };
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

function describeFailure(err: unknown, signal: AbortSignal): string {
  if (signal.aborted) return 'fcm timeout';
  if (err instanceof TokenError) return `fcm oauth: ${err.message}`;
  const cause = (err as { cause?: { code?: string } }).cause?.code;
  return `fcm connection error${cause ? ` ${cause}` : ''}`;
}
