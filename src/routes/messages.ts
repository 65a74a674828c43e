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
import { deliveryOptionPattern, parseDeliveryOption } from '../domain/deliveryTime';
import {
  parseReceiverIds,
  parseUserIdList,
  receiverIdsPatterns,
  userIdListPatterns,
} from '../domain/receivers';
import { MAX_MEDIA_ID_BYTES, sendSizeProblem } from '../domain/sendLimits';
import { matchingAll, OBJECT_ID, WS } from '../domain/textPatterns';
import { MAX_DATE_SECONDS, fromEpochSeconds, parseEpochSeconds } from '../domain/timestamps';
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

/** A message, a photo, a video or a sound: one of them is not empty. */
const NOT_EMPTY = ['message', 'photo_id', 'video_id', 'sound_id'].map((field) => ({
  required: [field],
  properties: { [field]: { minLength: 1 } },
}));

/**
 * The checks run in this order, each stopping at its first problem: sizes first, so that
 * every later step (JSON, hashing, storing) is bounded; then receivers, option, emptiness.
 */
function sendForm(config: Pick<Config, 'MESSAGE_MAX_CHARS' | 'MAX_RECEIVERS'>) {
  // The JSON Schema of each field (src/openapi): what the checks below take.
  const mediaId = z.string().meta({ maxLength: MAX_MEDIA_ID_BYTES }).default('');
  return z
    .object({
      message: z.string({ error: 'message is required' }).meta({ maxLength: config.MESSAGE_MAX_CHARS }),
      photo_id: mediaId,
      video_id: mediaId,
      sound_id: mediaId,
      receiver_ids: z
        .string({ error: 'receiver_ids is required' })
        .meta(matchingAll(receiverIdsPatterns(config.MAX_RECEIVERS))),
      delivery_option: z.string().meta({ pattern: deliveryOptionPattern() }).optional(),
    })
    .meta({ anyOf: NOT_EMPTY })
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
    .string({ error: 'ts must be epoch seconds' })
    // Any float text: a JSON number's is one (domain/timestamps).
    .meta({ type: 'number', minimum: -MAX_DATE_SECONDS, maximum: MAX_DATE_SECONDS })
    .transform((text, ctx): Date => {
      const ts = parseEpochSeconds(text);
      return ts === undefined ? refuse(ctx, 'ts must be epoch seconds') : fromEpochSeconds(ts);
    }),
});

const resendForm = z.object({
  message_id: z
    .string({ error: 'message_id is required' })
    .meta({ pattern: `^${WS}*${OBJECT_ID}${WS}*$` })
    .transform((text, ctx): Types.ObjectId => {
      const raw = text.trim();
      if (!raw) return refuse(ctx, 'message_id is required');
      return parseObjectId(raw) ?? refuse(ctx, 'malformed message_id');
    }),
});

function blockForm(maxContacts: number) {
  return z.object({
    contacts_to_block: z
      .string({ error: 'contacts_to_block is required' })
      .meta(matchingAll(userIdListPatterns(maxContacts)))
      .transform((text, ctx): Types.ObjectId[] => {
        const ids = parseUserIdList(text, 'contacts_to_block', maxContacts);
        if (!ids.ok) return refuse(ctx, ids.reason);
        return ids.value.map((id) => new Types.ObjectId(id));
      }),
  });
}

/** The forms and query of these routes, which src/openapi describes. */
export function messageForms(config: Config) {
  return {
    send: sendForm(config),
    receive: receiveQuery,
    resend: resendForm,
    block: blockForm(config.BLOCK_MAX_CONTACTS),
  };
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
    const outcome = await sendMessages(m, userId, parseWithReasons(send, req.body));
    if (outcome.late) {
      // A window may have passed these messages: the operator raises WRITE_SETTLE_MS.
      req.log.warn({ writeMs: outcome.writeMs }, 'a send was written slower than WRITE_SETTLE_MS allows for');
    }
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
