/**
 * What guards the operator's console (README "Operating"): the session cookie
 * (services/ops/sessions.ts), HttpOnly, SameSite=Strict, Path=/ops, Secure when
 * COOKIE_SECURE or the request came over HTTPS; and for every action, the same-origin
 * check (http/pageGuard.ts) plus a CSRF field, an HMAC of the session under
 * SESSION_SECRET that only the page served to that session carries.
 */
import { createHmac } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { parse as parseCookies, serialize as serializeCookie } from 'cookie';
import type { AppDeps } from '../deps';
import { findSession, OPS_COOKIE, type OpsSessionView } from '../services/ops/sessions';
import { constantTimeEqual } from '../domain/password';
import { AppError } from './errors';

/** The page's cookie is sent to /ops and below only. */
const COOKIE_PATH = '/ops';
/** Cookie headers longer than this are refused unread (browsers send a few KB at most). */
const MAX_COOKIE_HEADER = 8 * 1024;

export function opsCookie(req: Request): string | undefined {
  const header = req.headers.cookie;
  if (!header || header.length > MAX_COOKIE_HEADER) return undefined;
  return parseCookies(header)[OPS_COOKIE];
}

export function setOpsCookie(
  deps: AppDeps,
  req: Request,
  res: Response,
  value: string,
  maxAgeS: number,
): void {
  res.append(
    'Set-Cookie',
    serializeCookie(OPS_COOKIE, value, {
      httpOnly: true,
      sameSite: 'strict',
      secure: deps.config.COOKIE_SECURE || req.secure,
      path: COOKIE_PATH,
      maxAge: maxAgeS,
    }),
  );
}

export function clearOpsCookie(deps: AppDeps, req: Request, res: Response): void {
  setOpsCookie(deps, req, res, '', 0);
}

export function opsCsrfToken(secret: string, cookie: string): string {
  return createHmac('sha256', secret).update(`ops-console:${cookie}`).digest('base64url');
}

/** The operator session of this request, if any (res.locals.ops). */
export function opsSession(res: Response): { session: OpsSessionView; cookie: string } | undefined {
  return res.locals.ops as { session: OpsSessionView; cookie: string } | undefined;
}

/** Reads the session (404 when no OPERATOR_TOKEN: the console does not exist). */
export function loadOpsSession(deps: AppDeps): RequestHandler {
  return async (req, res, next) => {
    if (!deps.config.OPERATOR_TOKEN) return next(AppError.notFound('no such route'));
    const cookie = opsCookie(req);
    const session = await findSession(deps.config, cookie, deps.now());
    if (session && cookie) res.locals.ops = { session, cookie };
    next();
  };
}

/** An action needs a live session: checked before its form is read (401). */
export const requireOpsSession: RequestHandler = (_req, res, next) => {
  next(opsSession(res) ? undefined : AppError.unauthorized('operator sign-in required'));
};

/** ...and the session's CSRF field, in the form read after (403). */
export function requireOpsCsrf(deps: AppDeps): RequestHandler {
  return (req, res, next) => {
    const ops = opsSession(res);
    if (!ops) return next(AppError.unauthorized('operator sign-in required'));
    const given = (req.body as Record<string, unknown> | undefined)?.csrf;
    const expected = opsCsrfToken(deps.config.SESSION_SECRET, ops.cookie);
    const ok = typeof given === 'string' && constantTimeEqual(given, expected);
    next(ok ? undefined : AppError.forbidden('missing or wrong csrf field'));
  };
}
