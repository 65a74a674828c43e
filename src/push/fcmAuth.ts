/**
 * OAuth2 access tokens for FCM HTTP v1 from a service account (RFC 7523 JWT-bearer grant).
 *
 * Written here with node:crypto instead of google-auth-library's JWT client because that
 * client (10.x, gtoken/getToken.js and jwsSign.js) hard-codes
 * https://oauth2.googleapis.com/token as both the URL it posts to and the JWT's `aud`,
 * ignoring the service account's `token_uri`, which ../shared/CONTRACT.md §7 says must be honoured.
 * The grant is one signed JWT and one form POST.
 */
import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { isHttpsOrLoopback } from '../domain/urls';

export const FCM_SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';
const GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

export interface ServiceAccount {
  project_id: string;
  client_email: string;
  private_key: string;
  private_key_id?: string;
  token_uri: string;
}

/** Parses FCM_CREDENTIALS; throws a message naming what is missing (never the key). */
export function parseServiceAccount(json: string): ServiceAccount {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new Error('FCM_CREDENTIALS is not valid JSON');
  }
  const o = (raw ?? {}) as Record<string, unknown>;
  const missing = ['project_id', 'client_email', 'private_key'].filter(
    (k) => typeof o[k] !== 'string' || o[k] === '',
  );
  if (missing.length > 0) throw new Error(`FCM_CREDENTIALS lacks ${missing.join(', ')}`);
  // The signed assertion and the access token travel to token_uri: TLS only (loopback for tests).
  if (typeof o.token_uri === 'string' && o.token_uri !== '' && !isHttpsOrLoopback(o.token_uri)) {
    throw new Error('FCM_CREDENTIALS token_uri must be https (http only to a loopback host)');
  }
  return {
    project_id: o.project_id as string,
    client_email: o.client_email as string,
    private_key: o.private_key as string,
    private_key_id: typeof o.private_key_id === 'string' ? o.private_key_id : undefined,
    token_uri:
      typeof o.token_uri === 'string' && o.token_uri ? o.token_uri : 'https://oauth2.googleapis.com/token',
  };
}

const b64url = (v: string | Buffer) => Buffer.from(v).toString('base64url');

/** The signed assertion: iss = the account, aud = its token_uri, valid one hour. */
export function signAssertion(account: ServiceAccount, key: KeyObject, nowMs: number): string {
  const iat = Math.floor(nowMs / 1000);
  const header = {
    alg: 'RS256',
    typ: 'JWT',
    ...(account.private_key_id ? { kid: account.private_key_id } : {}),
  };
  const claims = {
    iss: account.client_email,
    scope: FCM_SCOPE,
    aud: account.token_uri,
    iat,
    exp: iat + 3600,
  };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  return `${input}.${b64url(sign('RSA-SHA256', Buffer.from(input), key))}`;
}

/**
 * A failed token request. The sender treats it as temporary even for a 4xx (bad key,
 * clock skew): the pushes wait with back-off while an operator fixes the credentials,
 * and are recorded as failed only after the attempt limit.
 */
export class TokenError extends Error {}

/** One cached access token per process, refreshed shortly before it expires. */
export class FcmAccessToken {
  private readonly key: KeyObject;
  private token?: { value: string; refreshAt: number };
  private pending?: Promise<string>;

  constructor(
    private readonly account: ServiceAccount,
    private readonly now: () => number = Date.now,
  ) {
    this.key = createPrivateKey(account.private_key);
  }

  /** A valid token; concurrent callers share one request. */
  get(signal: AbortSignal): Promise<string> {
    if (this.token && this.now() < this.token.refreshAt) return Promise.resolve(this.token.value);
    this.pending ??= this.fetchToken(signal).finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /** After a 401 from FCM: the next send fetches a new token. */
  invalidate(): void {
    this.token = undefined;
  }

  private async fetchToken(signal: AbortSignal): Promise<string> {
    const started = this.now();
    const res = await fetch(this.account.token_uri, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: GRANT_TYPE,
        assertion: signAssertion(this.account, this.key, started),
      }),
      signal,
    });
    const body = (await res.json().catch(() => ({}))) as { access_token?: unknown; expires_in?: unknown };
    if (!res.ok || typeof body.access_token !== 'string') {
      throw new TokenError(`token endpoint answered ${res.status}`);
    }
    const lifetimeMs = (Number(body.expires_in) || 3600) * 1000;
    // Refresh a minute early (or at half-life for short tokens) so no send carries a stale one.
    const refreshAt = started + Math.max(lifetimeMs / 2, lifetimeMs - 60_000);
    this.token = { value: body.access_token, refreshAt };
    return body.access_token;
  }
}
