/**
 * iOS pushes through APNs over HTTP/2 with token (.p8) auth, using @parse/node-apn: one
 * long-lived HTTP/2 session per process, an ES256 provider token it renews every 55 min,
 * a configurable host and port (APNS_HOST/APNS_PORT), and the process's TLS trust, which
 * NODE_EXTRA_CA_CERTS extends for a test APNs. Its own retries are off
 * (connectionRetryLimit 0): they would sleep inside our lease; the worker retries with
 * back-off instead. APNs documents no Retry-After, so none is read.
 */
import apn from '@parse/node-apn';
import {
  ttlSeconds,
  type PushContent,
  type PushResult,
  type PushSender,
  type PushTarget,
  type PushTtl,
} from './types';

export interface ApnsOptions {
  key: string;
  keyId: string;
  teamId: string;
  topic: string;
  host: string;
  port: number;
  timeoutMs: number;
  ttl: PushTtl;
  /** Extra trusted CAs; only tests pass it (production trusts the system roots). */
  ca?: string[];
}

export function apnsHost(env: 'production' | 'sandbox', override?: string): string {
  return override ?? (env === 'production' ? 'api.push.apple.com' : 'api.sandbox.push.apple.com');
}

/**
 * A due message: the receive label, sound ache.caf, badge 1; teasers and "joined": the text.
 * `expiry` (apns-expiration, epoch seconds) lets APNs keep the push for a phone that is
 * offline; 0 is APNs's "deliver now or never", which a TTL of 0 means. A message push is
 * named by its message id (apns-collapse-id; an ObjectId's 24 hex characters, well within
 * APNs's 64 bytes): a repeat after a retry or a lease takeover replaces the first on the
 * phone instead of showing twice. Text pushes are not collapsed: each is its own news.
 */
export function apnsNotification(
  content: PushContent,
  topic: string,
  ttl: PushTtl,
  nowMs = Date.now(),
): apn.Notification {
  const note = new apn.Notification();
  note.topic = topic;
  note.pushType = 'alert';
  note.priority = 10;
  const ttlS = ttlSeconds(content, ttl);
  note.expiry = ttlS === 0 ? 0 : Math.floor(nowMs / 1000) + ttlS;
  if (content.kind === 'message') {
    note.alert = content.label;
    note.sound = 'ache.caf';
    note.badge = 1;
    note.collapseId = content.messageId;
  } else {
    note.alert = content.text;
  }
  return note;
}

const DEAD_REASONS = new Set(['BadDeviceToken', 'Unregistered', 'ExpiredToken']);
/** The topic is not the app's bundle id, or the key's team may not push to it. */
const CONFIG_REASONS = new Set(['BadTopic', 'TopicDisallowed']);

/**
 * Classifies node-apn's answer for one device. `tokenRefusedBefore`: the previous provider
 * token answer was InvalidProviderToken too. A single one may be a token APNs has not
 * accepted yet (it is renewed); a second in a row means the key, key id or team is wrong.
 */
export function classifyApnsAnswer(
  result: apn.Responses<apn.ResponseSent, apn.ResponseFailure>,
  tokenRefusedBefore = false,
): PushResult {
  const sent: (apn.ResponseSent & { 'apns-id'?: string }) | undefined = result.sent[0];
  if (sent) return { outcome: 'sent', providerId: sent['apns-id'] ?? '' };
  const failure = result.failed[0];
  const status = typeof failure?.status === 'number' ? failure.status : Number(failure?.status) || 0;
  const reason = failure?.response?.reason ?? failure?.error?.message ?? 'unknown error';
  const text = `apns ${status || 'error'} ${reason}`.slice(0, 300);
  if (status === 410 || (status === 400 && DEAD_REASONS.has(reason))) {
    return { outcome: 'dead_token', reason: text };
  }
  if (CONFIG_REASONS.has(reason)) return { outcome: 'config_error', reason: text, code: reason };
  if (reason === 'InvalidProviderToken' && tokenRefusedBefore) {
    return { outcome: 'config_error', reason: text, code: reason };
  }
  // No status: timeout, connection or protocol error. 403: our provider token (renewed).
  if (!status || status === 429 || status >= 500 || status === 403)
    return { outcome: 'temporary', reason: text };
  return { outcome: 'permanent', reason: text };
}

export class ApnsSender implements PushSender {
  readonly name = 'apns';
  private readonly provider: apn.Provider;
  /** The last answer about our provider token was InvalidProviderToken. */
  private tokenRefused = false;

  constructor(private readonly options: ApnsOptions) {
    this.provider = new apn.Provider({
      token: { key: options.key, keyId: options.keyId, teamId: options.teamId },
      address: options.host,
      port: options.port,
      requestTimeout: options.timeoutMs,
      connectionRetryLimit: 0,
      ...(options.ca ? { ca: options.ca } : {}),
    });
  }

  async send(target: PushTarget, content: PushContent): Promise<PushResult> {
    // An iOS token is hex; anything else would be refused by APNs as BadDeviceToken.
    if (!/^[0-9a-f]+$/i.test(target.token)) return { outcome: 'dead_token', reason: 'apns token is not hex' };
    const note = apnsNotification(content, this.options.topic, this.options.ttl);
    let timer: NodeJS.Timeout | undefined;
    // node-apn's requestTimeout covers the stream; this deadline also covers connecting.
    const deadline = new Promise<PushResult>((resolve) => {
      timer = setTimeout(
        () => resolve({ outcome: 'temporary', reason: 'apns timeout' }),
        this.options.timeoutMs,
      );
    });
    try {
      return await Promise.race([
        this.provider.send(note, target.token).then(
          (r) => this.classify(r),
          (err: unknown) => ({
            outcome: 'temporary' as const,
            reason: `apns error ${err instanceof Error ? err.message : String(err)}`.slice(0, 300),
          }),
        ),
        deadline,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  private classify(result: apn.Responses<apn.ResponseSent, apn.ResponseFailure>): PushResult {
    const classified = classifyApnsAnswer(result, this.tokenRefused);
    const reason = result.failed[0]?.response?.reason;
    if (classified.outcome === 'sent' || reason !== undefined)
      this.tokenRefused = reason === 'InvalidProviderToken';
    return classified;
  }

  close(): Promise<void> {
    // Provider.shutdown does not return the client's promise; its callback is reliable.
    return new Promise((resolve) => {
      void this.provider.shutdown(resolve);
    });
  }
}
