/**
 * POST /resend (../shared/CONTRACT.md §3): the receiver gets a message again later. Only the
 * receiver may resend it. Any other caller, or an unknown or blocked id, gets the same
 * empty 200 and nothing changes: iOS repeats a failed resend on every timeline view until
 * it gets a 200, and both apps reset their base URL on a 404.
 */
import type { Types } from 'mongoose';
import { pickColor } from '../../domain/colors';
import { receiveLabelText } from '../../domain/labels';
import { settledDeliveryTime } from '../../domain/deliveryTime';
import { labelLanguage } from '../../domain/language';
import { resendDelaySeconds } from '../../domain/resend';
import { Message } from '../../models/message';
import { queuePushes, unqueueMessages } from '../pushes/queue';
import { countryCodeOf, futureMessageCount, type MessageDeps } from './messages';

/** `id`: the message_id of the form, checked by the route. */
export async function resendMessage(
  deps: MessageDeps,
  userId: Types.ObjectId,
  id: Types.ObjectId,
): Promise<void> {
  const now = deps.now();
  const [message, futureCount, countryCode, catalog] = await Promise.all([
    Message.findOne(
      { _id: id, receiver_id: userId, blocked: false },
      { created_at: 1, delivery_time: 1 },
    ).lean(),
    futureMessageCount(userId, now),
    countryCodeOf(userId),
    deps.catalog.get(),
  ]);
  if (!message) return;

  const created = message.created_at.getTime();
  const added = resendDelaySeconds(
    (message.delivery_time.getTime() - created) / 1000,
    futureCount,
    deps.random,
  );
  // An old message moved to a time still in the past would fall outside every later
  // receive_all window: it becomes due now instead, a settle time ahead (WRITE_SETTLE_MS).
  const delivery = settledDeliveryTime(
    new Date(message.delivery_time.getTime() + added * 1000),
    deps.now(),
    deps.config.WRITE_SETTLE_MS,
  );
  const label = receiveLabelText(
    catalog.receiveLabels,
    (delivery.getTime() - created) / 1000,
    labelLanguage(countryCode),
  );
  await Message.updateOne(
    { _id: id, receiver_id: userId },
    {
      $set: {
        delivery_time: delivery,
        receive_label: label,
        receive_color: pickColor(deps.random),
        send_now: false,
      },
    },
  );
  // A job still queued for an earlier time (a resend before) would push before the
  // message shows: the worker no longer reads the message, so it goes.
  await unqueueMessages([id]);
  await queuePushes(
    [{ kind: 'message', user_id: userId, message_id: id, label, due_at: delivery, created_at: now }],
    now,
  );
}
