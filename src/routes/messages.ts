/** Sending, receiving and managing messages (CONTRACT.md §3). Handlers only translate HTTP. */
import { Router, type Request } from 'express';
import type { AppDeps } from '../deps';
import type { Form } from '../domain/form';
import { sessionUserId } from '../http/edge';
import { formBody, sendLimitBytes } from '../http/form';
import { requireLogin } from '../http/session';
import { catalogSource } from '../services/catalog/catalog';
import { futureMessageCount, sendChoicesFor, type MessageDeps } from '../services/messages/messages';
import { blockContacts } from '../services/messages/block';
import { receiveAll } from '../services/messages/receive';
import { resendMessage } from '../services/messages/resend';
import { sendMessages } from '../services/messages/send';
import { myStatus } from '../services/messages/status';

const form = (req: Request): Form => (req.body ?? {}) as Form;

export function messageRoutes(deps: AppDeps): Router {
  const m: MessageDeps = {
    config: deps.config,
    now: deps.now,
    random: deps.random,
    catalog: catalogSource(deps.config.CATALOG_CACHE_SECONDS),
  };
  const router = Router();
  // Bodies are read after the session check, each with the limit of what the route takes.
  const body = formBody();
  const sendBody = formBody(sendLimitBytes(deps.config));

  router.post('/send', requireLogin, sendBody, async (req, res) => {
    await sendMessages(m, sessionUserId(req), form(req));
    res.status(200).end();
  });

  router.get('/receive_all', requireLogin, async (req, res) => {
    const query = req.query as Record<string, string | undefined>;
    res.type('application/json').send(await receiveAll(m, sessionUserId(req), query.ts));
  });

  router.post('/resend', requireLogin, body, async (req, res) => {
    await resendMessage(m, sessionUserId(req), form(req));
    res.status(200).end();
  });

  router.get('/get_send_choices', requireLogin, async (req, res) => {
    res.json(await sendChoicesFor(m, sessionUserId(req)));
  });

  router.get('/get_number_of_future_messages', requireLogin, async (req, res) => {
    res.type('text/plain').send(String(await futureMessageCount(sessionUserId(req))));
  });

  router.get('/get_my_status', requireLogin, async (req, res) => {
    res.type('text/plain').send(await myStatus(m, sessionUserId(req)));
  });

  router.post('/block_contacts', requireLogin, body, async (req, res) => {
    await blockContacts(sessionUserId(req), form(req), deps.config.BLOCK_MAX_CONTACTS);
    res.status(200).end();
  });

  return router;
}
