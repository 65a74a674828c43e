/**
 * The operator's console (README "Operating"): GET /ops is the sign-in form or the
 * console; each action is a form POSTed to /ops/<action> and answered by a redirect to
 * the page (303), whose action log shows the result. Actions go through the same
 * services as `npm run admin` (src/services/ops). 404 for all of it when OPERATOR_TOKEN
 * is unset. None of it is used by the apps.
 */
import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../deps';
import { clientAddress, parseFields } from '../http/edge';
import { AppError } from '../http/errors';
import { FORM_LIMIT_BYTES, formBody } from '../http/form';
import {
  clearOpsCookie,
  loadOpsSession,
  opsCsrfToken,
  opsSession,
  requireOpsCsrf,
  requireOpsSession,
  setOpsCookie,
} from '../http/opsGuard';
import { noStore, sameOrigin } from '../http/pageGuard';
import { rateLimitHeaders } from '../http/rateLimitHeaders';
import { OPS_ASSETS_DIR, OPS_CSP, consolePage, signInPage } from '../pages/ops/render';
import { createPushSender } from '../push';
import { consoleView } from '../services/ops/console';
import { MAX_REASON_LENGTH } from '../services/ops/failures';
import { setDeliveryPaused } from '../services/ops/pause';
import { requeueByReason, requeueOne } from '../services/ops/requeue';
import { MAX_OPERATOR_TOKEN_LENGTH, signIn, signOut } from '../services/ops/sessions';
import { sendTestPush, testPushInput } from '../services/ops/testPush';

/**
 * The console's forms are a few fields; the longest is a device token (4,096 characters,
 * up to 48 KB percent-encoded): the apps' form limit fits every valid one.
 */
const OPS_FORM_BYTES = FORM_LIMIT_BYTES;

const reasonField = z.string().trim().max(MAX_REASON_LENGTH).optional();
const viewQuery = z.object({ reason: reasonField });
const signInForm = z.object({ token: z.string().max(MAX_OPERATOR_TOKEN_LENGTH) });
const requeueForm = z.object({
  id: z.string().regex(/^[0-9a-f]{24}$/, 'a push id (24 hex digits)'),
  reason: reasonField,
});
const requeueAllForm = z.object({ reason: reasonField });

type Handler = (req: Request, res: Response) => Promise<void>;

function sendPage(res: Response, status: number, page: string): void {
  res.status(status);
  res.setHeader('Content-Security-Policy', OPS_CSP);
  // Not helmet's no-referrer: with it Chromium sends `Origin: null` on the page's form
  // posts, which the same-origin check must refuse. Other sites still learn nothing.
  res.setHeader('Referrer-Policy', 'same-origin');
  res.type('html').send(page);
}

/** Back to the console, keeping the reason filter. */
function backToConsole(res: Response, reason?: string): void {
  res.redirect(303, reason ? `/ops?reason=${encodeURIComponent(reason)}` : '/ops');
}

export function consoleRoutes(deps: AppDeps): Router {
  const router = Router();
  const session = loadOpsSession(deps);
  const guard = sameOrigin(deps.config.PUBLIC_URL);
  // An action: its session first (nothing is read for a stranger), then the form and
  // the form's CSRF field.
  const form = formBody(OPS_FORM_BYTES);
  const csrf = requireOpsCsrf(deps);
  const act = [noStore, session, guard, requireOpsSession, form, csrf];
  const by = (res: Response) => opsSession(res)!.session.name;

  router.use('/ops/assets', express.static(OPS_ASSETS_DIR, { index: false }));
  router.get('/ops', noStore, session, viewHandler(deps));
  router.post('/ops/sign-in', noStore, session, guard, form, signInHandler(deps));
  router.post('/ops/sign-out', ...act, async (req, res) => {
    await signOut(opsSession(res)!.cookie, by(res), deps.now());
    clearOpsCookie(deps, req, res);
    res.redirect(303, '/ops');
  });
  router.post('/ops/pause', ...act, async (_req, res) => {
    await setDeliveryPaused(true, by(res), deps.now());
    backToConsole(res);
  });
  router.post('/ops/resume', ...act, async (_req, res) => {
    await setDeliveryPaused(false, by(res), deps.now());
    backToConsole(res);
  });
  router.post('/ops/requeue', ...act, async (req, res) => {
    const { id, reason } = parseFields(requeueForm, req.body);
    await requeueOne(id, by(res), deps.now());
    backToConsole(res, reason);
  });
  router.post('/ops/requeue-all', ...act, async (req, res) => {
    const { reason } = parseFields(requeueAllForm, req.body);
    await requeueByReason(reason || undefined, by(res), deps.now());
    backToConsole(res, reason);
  });
  router.post('/ops/test-push', ...act, testPushHandler(deps));
  return router;
}

function viewHandler(deps: AppDeps): Handler {
  return async (req, res) => {
    const { reason } = parseFields(viewQuery, req.query);
    const ops = opsSession(res);
    if (!ops) return sendPage(res, 200, signInPage());
    const view = await consoleView(deps.now(), reason || undefined);
    sendPage(res, 200, consolePage(view, ops.session, opsCsrfToken(deps.config.SESSION_SECRET, ops.cookie)));
  };
}

function signInHandler(deps: AppDeps): Handler {
  return async (req, res) => {
    const { token } = parseFields(signInForm, req.body);
    try {
      const { cookie } = await signIn(deps.config, token, clientAddress(req), deps.now());
      setOpsCookie(deps, req, res, cookie, deps.config.OPERATOR_SESSION_MINUTES * 60);
      res.redirect(303, '/ops');
    } catch (err) {
      if (!(err instanceof AppError) || (err.status !== 401 && err.status !== 429)) throw err;
      if (err.retryAfterSeconds !== undefined) {
        res.setHeader('Retry-After', String(err.retryAfterSeconds));
        res.set(rateLimitHeaders(err.limits, err.retryAfterSeconds) ?? {});
      }
      const text = err.status === 401 ? 'Wrong operator token.' : 'Too many wrong tokens: try again later.';
      sendPage(res, err.status, signInPage(text));
    }
  };
}

/**
 * One push through the configured providers; the sender is made for it and closed after
 * (test pushes are rare, and the web process keeps no provider connection otherwise).
 */
function testPushHandler(deps: AppDeps): Handler {
  return async (req, res) => {
    const input = parseFields(testPushInput, req.body);
    const sender = createPushSender(deps.config, deps.logger, deps.push);
    try {
      await sendTestPush(sender, input, opsSession(res)!.session.name, deps.now);
    } finally {
      await sender.close();
    }
    backToConsole(res);
  };
}
