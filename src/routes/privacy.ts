/**
 * The account page (README "Privacy"): GET /account serves it (English or French by the
 * browser's language) with its assets; its own JSON requests sign in, show the account,
 * export its data, delete it and sign out. None of this is used by the apps. Every one
 * of them that acts or exports is guarded against cross-site forgery (http/pageGuard.ts);
 * GET /account/me only reads, and the browser shows its answer to this origin alone.
 */
import express, { Router, type Request, type Response } from 'express';
import { Types } from 'mongoose';
import { z } from 'zod';
import type { AppDeps } from '../deps';
import { MAX_EMAIL_LENGTH, normaliseEmail } from '../domain/email';
import { pageLanguage } from '../domain/language';
import { MAX_PASSWORD_LENGTH } from '../domain/password';
import { clientAddress, parseFields, sessionUserId } from '../http/edge';
import { AppError } from '../http/errors';
import { csrfToken, jsonBody, noStore, requireCsrfToken, sameOrigin } from '../http/pageGuard';
import { logIn, logOut, requireLogin } from '../http/session';
import { ASSETS_DIR, PAGE_CSP, accountPages } from '../pages/account/render';
import { recordLogin } from '../services/accounts/accounts';
import { passwordLogin } from '../services/accounts/login';
import { deleteAccount, deleteOwnAccount } from '../services/privacy/deletion';
import { exportAccount } from '../services/privacy/export';
import { accountSummary, type AccountSummary } from '../services/privacy/summary';

const signInForm = z.object({
  email: z.string().trim().min(1, 'must not be empty').max(MAX_EMAIL_LENGTH).transform(normaliseEmail),
  // The SHA-256 hex of what was typed, as the apps send it (src/domain/password).
  password: z.string().min(1, 'must not be empty').max(MAX_PASSWORD_LENGTH),
});
const deleteForm = z.object({ email: z.string().max(MAX_EMAIL_LENGTH) });

type Handler = (req: Request, res: Response) => Promise<void>;

/** The account as the page shows it (page.js reads these keys). */
function pageAccount(s: AccountSummary) {
  return {
    email: s.email,
    phone: s.phone,
    waiting: { to_you: s.waiting.toYou, from_you: s.waiting.fromYou },
  };
}

export function privacyRoutes(deps: AppDeps): Router {
  const router = Router();
  const pages = accountPages();
  const guard = sameOrigin(deps.config.PUBLIC_URL);
  const token = requireCsrfToken(deps.config.SESSION_SECRET);
  const body = jsonBody();

  router.get('/account', (req, res) => {
    const lang = pageLanguage(req.headers['accept-language']);
    res.setHeader('Content-Security-Policy', PAGE_CSP);
    res.setHeader('Vary', 'Accept-Language');
    res.setHeader('Cache-Control', 'no-cache');
    res.type('html').send(pages[lang]);
  });
  // Revalidated by ETag on every load, so a deploy's new script never meets an old page;
  // anything else under the path is the app's 404.
  router.use('/account/assets', express.static(ASSETS_DIR, { index: false }));

  router.post('/account/login', noStore, guard, body, signInHandler(deps));
  router.get('/account/me', noStore, requireLogin, meHandler(deps));
  router.get('/account/export', noStore, requireLogin, guard, token, exportHandler(deps));
  router.post('/account/delete', noStore, requireLogin, guard, token, body, deleteHandler(deps));
  router.post('/account/logout', noStore, requireLogin, guard, token, async (req, res) => {
    await logOut(req);
    res.json({ state: 'signed_out' });
  });
  return router;
}

/**
 * The apps' password check and login limits; the session's cookie is SameSite=Strict.
 * The right password of an account whose deletion was interrupted finishes the deletion
 * instead (services/privacy/deletion.ts): no session is made for it.
 */
function signInHandler(deps: AppDeps): Handler {
  return async (req, res) => {
    const form = parseFields(signInForm, req.body);
    const address = clientAddress(req);
    const userId = req.user?.id;
    const user = await passwordLogin(deps, {
      email: form.email,
      password: form.password,
      address,
      session: userId ? { userId, id: req.sessionID } : undefined,
      regId: '', // a browser is never the owner's phone
    });
    if (!user) throw AppError.unauthorized('wrong email or password');
    const id = new Types.ObjectId(user.id);
    if (user.deleting) {
      await deleteAccount(deps, id);
      res.json({ state: 'deleted' });
      return;
    }
    await logIn(req, { id: user.id }, { at: deps.now(), address }, 'strict');
    // Last login and a legacy password's upgrade; the device is the phone's, left alone.
    await recordLogin(deps, { ...user, hasDevice: false }, { os: '', regId: '' });
    const summary = await accountSummary(id, deps.now());
    if (!summary) throw AppError.unauthorized();
    res.json({
      state: 'signed_in',
      csrf_token: csrfToken(deps.config.SESSION_SECRET, req.sessionID),
      account: pageAccount(summary),
    });
  };
}

function meHandler(deps: AppDeps): Handler {
  return async (req, res) => {
    const summary = await accountSummary(sessionUserId(req), deps.now());
    if (!summary || summary.deleting) throw AppError.unauthorized();
    res.json({
      csrf_token: csrfToken(deps.config.SESSION_SECRET, req.sessionID),
      account: pageAccount(summary),
    });
  };
}

function exportHandler(deps: AppDeps): Handler {
  return async (req, res) => {
    const data = await exportAccount(deps, sessionUserId(req));
    if (!data) throw AppError.unauthorized();
    const day = data.exported_at.slice(0, 10);
    res.setHeader('Content-Disposition', `attachment; filename="pictever-data-${day}.json"`);
    res.type('application/json').send(JSON.stringify(data, null, 2));
  };
}

function deleteHandler(deps: AppDeps): Handler {
  return async (req, res) => {
    const form = parseFields(deleteForm, req.body);
    await deleteOwnAccount(deps, sessionUserId(req), form.email);
    await logOut(req); // its stored session went with the account; this clears the cookie
    res.json({ state: 'deleted' });
  };
}
