/**
 * Sending, receiving and managing messages (../shared/CONTRACT.md §3). Every form and query is checked
 * here with zod through the pure parsers of src/domain, whose reasons are the 400's text as
 * they are (http/edge parseWithReasons); services take the parsed values.
 */
import { Router } from 'express';
import { Types } from 'mongoose';
import { z } from 'zod';
import type { Config } from '../config';
import type { AppDeps } from '../deps';
import { parseDeliveryOption } from '../domain/deliveryTime';
import { parseReceiverIds, parseUserIdList } from '../domain/receivers';
import { sendSizeProblem } from '../domain/sendLimits';
import { fromEpochSeconds, parseEpochSeconds } from '../domain/timestamps';
import { parseWithReasons, sessionUserId } from '../http/edge';
import { formBody, sendLimitBytes } from '../http/form';
import { requireLogin } from '../http/session';
import { catalogSource } from '../services/catalog/source';
import { blockContacts } from '../services/messages/block';
import {
  futureMessageCount,
  parseObjectId,
  sendChoicesFor,
  type MessageDeps,
} from '../services/messages/messages';
import { receiveAll } from '../services/messages/receive';
import { resendMessage } from '../services/messages/resend';
import { sendMessages, type SendInput } from '../services/messages/send';
import { myStatus } from '../services/messages/status';

type Ctx = z.RefinementCtx;

/** Fails the parse with `reason` as the whole 400 text. */
function refuse(ctx: Ctx, reason: string): never {
  ctx.addIssue({ code: 'custom', message: reason });
  return z.NEVER;
}

/**
 * The checks run in this order, each stopping at its first problem: sizes first, so that
 * every later step (JSON, hashing, storing) is bounded; then receivers, option, emptiness.
 */
function sendForm(config: Pick<Config, 'MESSAGE_MAX_CHARS' | 'MAX_RECEIVERS'>) {
  return z
    .object({
      message: z.string({ error: 'message is required' }),
      photo_id: z.string().default(''),
      video_id: z.string().default(''),
      sound_id: z.string().default(''),
      receiver_ids: z.string().optional(),
      delivery_option: z.string().optional(),
    })
    .transform((form, ctx): SendInput => {
      const content = {
        message: form.message,
        photoId: form.photo_id,
        videoId: form.video_id,
        soundId: form.sound_id,
      };
      const tooLarge = sendSizeProblem(content, config.MESSAGE_MAX_CHARS);
      if (tooLarge) return refuse(ctx, tooLarge);
      const receivers = parseReceiverIds(form.receiver_ids, config.MAX_RECEIVERS);
      if (!receivers.ok) return refuse(ctx, receivers.reason);
      const option = parseDeliveryOption(form.delivery_option);
      if (!option.ok) return refuse(ctx, option.reason);
      if (!content.message && !content.photoId && !content.videoId && !content.soundId) {
        return refuse(ctx, 'empty message');
      }
      return { receivers: receivers.value, option: option.value, ...content };
    });
}

const receiveQuery = z.object({
  ts: z
    .string()
    .optional()
    .transform((text, ctx): Date => {
      const ts = parseEpochSeconds(text);
      return ts === undefined ? refuse(ctx, 'ts must be epoch seconds') : fromEpochSeconds(ts);
    }),
});

const resendForm = z.object({
  message_id: z
    .string()
    .optional()
    .transform((text, ctx): Types.ObjectId => {
      const raw = text?.trim();
      if (!raw) return refuse(ctx, 'message_id is required');
      return parseObjectId(raw) ?? refuse(ctx, 'malformed message_id');
    }),
});

function blockForm(maxContacts: number) {
  return z.object({
    contacts_to_block: z
      .string()
      .optional()
      .transform((text, ctx): Types.ObjectId[] => {
        const ids = parseUserIdList(text, 'contacts_to_block', maxContacts);
        if (!ids.ok) return refuse(ctx, ids.reason);
        return ids.value.map((id) => new Types.ObjectId(id));
      }),
  });
}

export function messageRoutes(deps: AppDeps): Router {
  const m: MessageDeps = {
    config: deps.config,
    now: deps.now,
    random: deps.random,
    catalog: catalogSource(deps.config.CATALOG_CACHE_SECONDS),
  };
  const send = sendForm(deps.config);
  const block = blockForm(deps.config.BLOCK_MAX_CONTACTS);
  const router = Router();
  // Bodies are read after the session check, each with the limit of what the route takes.
  const body = formBody();
  const sendBody = formBody(sendLimitBytes(deps.config));

  router.post('/send', requireLogin, sendBody, async (req, res) => {
    const userId = sessionUserId(req);
    await sendMessages(m, userId, parseWithReasons(send, req.body));
    res.status(200).end();
  });

  router.get('/receive_all', requireLogin, async (req, res) => {
    const userId = sessionUserId(req);
    const query = parseWithReasons(receiveQuery, req.query);
    res.type('application/json').send(await receiveAll(m, userId, query.ts));
  });

  router.post('/resend', requireLogin, body, async (req, res) => {
    const userId = sessionUserId(req);
    await resendMessage(m, userId, parseWithReasons(resendForm, req.body).message_id);
    res.status(200).end();
  });

  router.get('/get_send_choices', requireLogin, async (req, res) => {
    res.json(await sendChoicesFor(m, sessionUserId(req)));
  });

  router.get('/get_number_of_future_messages', requireLogin, async (req, res) => {
    res.type('text/plain').send(String(await futureMessageCount(sessionUserId(req), m.now())));
  });

  router.get('/get_my_status', requireLogin, async (req, res) => {
    res.type('text/plain').send(await myStatus(m, sessionUserId(req)));
  });

  router.post('/block_contacts', requireLogin, body, async (req, res) => {
    const userId = sessionUserId(req);
    await blockContacts(userId, parseWithReasons(block, req.body).contacts_to_block, m.now());
    res.status(200).end();
  });

  return router;
}
