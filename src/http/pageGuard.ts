/**
 * What guards the account page's own requests (README "Privacy"), none of which the apps
 * send (they keep their contract, ../shared/CONTRACT.md §1: no custom header, no token):
 *
 *  - sameOrigin: a request a browser says another site started is refused (403): its
 *    Origin must name this host (or PUBLIC_URL), or without Origin its Sec-Fetch-Site
 *    must be same-origin. Clients that send neither (curl) are no browser to forge with.
 *  - requireCsrfToken: the export, deletion and sign-out carry `X-CSRF-Token`, an HMAC of
 *    the session id under SESSION_SECRET that only a page of this origin can read (from
 *    the sign-in answer or GET /account/me). A custom header also means another origin's
 *    fetch needs a CORS preflight, which is never granted.
 *  - jsonBody: bodies are JSON only (another type, which a cross-site form could send, is
 *    a 415), a few KB at most, read before parsing.
 * The page's session cookie is also SameSite=Strict (http/session logIn).
 */
import { createHmac } from 'node:crypto';
import express, { type RequestHandler } from 'express';
import { constantTimeEqual } from '../domain/password';
import { reviveWithoutNul } from '../domain/requestText';
import { AppError } from './errors';

export const CSRF_HEADER = 'x-csrf-token';

/** Origins longer than this are no origin a browser sends. */
const MAX_ORIGIN_LENGTH = 512;

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}

/** 403 for a request another site made a browser send. */
export function sameOrigin(publicUrl: string): RequestHandler {
  const publicOrigin = publicUrl ? new URL(publicUrl).origin : undefined;
  return (req, _res, next) => {
    const origin = req.headers.origin;
    if (origin !== undefined) {
      const ok =
        origin.length <= MAX_ORIGIN_LENGTH &&
        (origin === publicOrigin || (hostOf(origin) !== undefined && hostOf(origin) === req.headers.host));
      next(ok ? undefined : AppError.forbidden('cross-site request refused'));
      return;
    }
    const site = req.headers['sec-fetch-site'];
    const ok = site === undefined || site === 'same-origin' || site === 'none';
    next(ok ? undefined : AppError.forbidden('cross-site request refused'));
  };
}

/** The token of a session: only its holder's pages learn it, and it dies with the session. */
export function csrfToken(secret: string, sessionId: string): string {
  return createHmac('sha256', secret).update(`account-page:${sessionId}`).digest('base64url');
}

/** 403 unless the request carries its session's token (behind requireLogin). */
export function requireCsrfToken(secret: string): RequestHandler {
  return (req, _res, next) => {
    const given = req.headers[CSRF_HEADER];
    const ok = typeof given === 'string' && constantTimeEqual(given, csrfToken(secret, req.sessionID));
    next(ok ? undefined : AppError.forbidden('missing or wrong X-CSRF-Token'));
  };
}

/** The page's forms are a few fields: 4 KB is plenty. */
export const PAGE_BODY_LIMIT_BYTES = 4 * 1024;

/** A JSON body of at most `limitBytes` (413 beyond), uncompressed; 415 for any other type. */
export function jsonBody(limitBytes = PAGE_BODY_LIMIT_BYTES): RequestHandler {
  const read = express.json({
    limit: limitBytes,
    inflate: false,
    strict: true,
    type: () => true,
    reviver: reviveWithoutNul,
  });
  return (req, res, next) => {
    if (!req.is('application/json')) {
      next(AppError.unsupportedMediaType('send the form as application/json'));
      return;
    }
    read(req, res, next);
  };
}

/** Personal data: never cached by the browser or a proxy. */
export const noStore: RequestHandler = (_req, res, next) => {
  res.setHeader('Cache-Control', 'no-store');
  next();
};
