/**
 * The one way the worker sends a push. Providers: FCM HTTP v1 (Android), APNs over HTTP/2
 * (iOS), or a logging sender when a provider is not configured. A sender never throws for
 * a provider's answer: it classifies it, and the worker decides what to record.
 */
export type Platform = 'ios' | 'android';

export interface PushTarget {
  platform: Platform;
  token: string;
}

/**
 * What to show: a due message (the app then fetches it) or a text push. `label` is the
 * message's receive_label (the iOS alert); `messageId` its id, which names the push at the
 * provider so that a repeat (retry, lease takeover) replaces the first on the phone.
 */
export type PushContent =
  { kind: 'message'; label: string; messageId: string } | { kind: 'teaser' | 'joined'; text: string };

/** How long a provider keeps a push for a phone that is offline, in seconds. */
export interface PushTtl {
  /** PUSH_MESSAGE_TTL_S: a due message must still reach a phone that comes back weeks later. */
  messageS: number;
  /** PUSH_TEXT_TTL_S: a teaser or "joined" text is stale after a day or so. */
  textS: number;
}

export function ttlSeconds(content: PushContent, ttl: PushTtl): number {
  return content.kind === 'message' ? ttl.messageS : ttl.textS;
}

export type PushResult =
  /** Accepted by the provider; providerId is its id for the push (apns-id, FCM name). */
  | { outcome: 'sent'; providerId: string }
  /** The token is dead (unregistered, invalid): never use it again. */
  | { outcome: 'dead_token'; reason: string }
  /** Worth retrying later (429, 5xx, timeouts, connection errors). */
  | { outcome: 'temporary'; reason: string; retryAfterMs?: number }
  /** Will not succeed by retrying and is not the token's fault (our payload). */
  | { outcome: 'permanent'; reason: string }
  /**
   * Our credentials do not match the apps (README "Deployment": push credentials): every
   * push to this provider fails until an operator fixes them, so retrying only multiplies
   * the failure. `code` is the provider's error code, e.g. SENDER_ID_MISMATCH.
   */
  | { outcome: 'config_error'; reason: string; code: string };

export interface PushSender {
  readonly name: string;
  /** Resolves within the configured send timeout, with a classified result. */
  send(target: PushTarget, content: PushContent): Promise<PushResult>;
  close(): Promise<void>;
}

/** Retry-After as seconds or an HTTP date, in ms from now; undefined when absent or unusable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value.trim());
  if (Number.isFinite(seconds)) return seconds >= 0 ? Math.round(seconds * 1000) : undefined;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}
