/**
 * A legacy message as one of ours, plus the push it still needs. The original stored a
 * message to a number without account ("bottle") as a blocked message to the sender
 * himself, with a `bottle` document; ours is a message with no receiver and the number.
 */
import type { ObjectId } from 'mongodb';
import { bool, date, fail, ok, oid, str, type LegacyDoc, type Mapped } from './values';

export interface MessageMapContext {
  /** The bottle document of this message, if any. */
  bottle?: LegacyDoc;
  /** The project's phone normaliser (00… form); '' means unusable. */
  normalisePhone: (raw: string) => string;
  /** Who owns the active bottle's number in the target, if someone does. */
  bottleOwner?: ObjectId;
  now: Date;
}

export interface PushJobDoc {
  /** The message id: a job inserted twice (re-run) is refused as a duplicate. */
  _id: ObjectId;
  kind: 'message';
  user_id: ObjectId;
  message_id: ObjectId;
  /** The message's receive_label: the worker pushes it without reading the message. */
  label: string;
  due_at: Date;
  created_at: Date;
}

export interface MappedMessage {
  doc: Record<string, unknown> & { _id: ObjectId };
  job?: PushJobDoc;
  note?: string;
}

interface Delivery {
  receiver_id: ObjectId | null;
  receiver_phone: string;
  blocked: boolean;
  /** Still to be pushed (not stored: pending is the time, README "Worker"). */
  state: 'pending' | 'delivered';
  delivery_time: Date;
  note?: string;
}

/**
 * The number an active bottle waits for, normalised as define_first_phone_number will
 * normalise its owner's number ('' when unusable): the original stored it as typed.
 */
export function bottlePhone(
  d: LegacyDoc,
  bottle: LegacyDoc | undefined,
  normalise: (raw: string) => string,
): string {
  const raw = str(bottle?.phone_num).trim() || str(d.receiver_phone).trim();
  return raw ? normalise(raw) : '';
}

function activeBottle(d: LegacyDoc, ctx: MessageMapContext, deliveryTime: Date): Mapped<Delivery> {
  const phone = bottlePhone(d, ctx.bottle, ctx.normalisePhone);
  if (!phone) return fail('active bottle without usable phone number');
  const base = { receiver_phone: phone, blocked: false, state: 'pending' as const };
  if (!ctx.bottleOwner) return ok({ ...base, receiver_id: null, delivery_time: deliveryTime });
  // The number got an account without claiming the bottle: claim it now, as
  // define_first_phone_number would (a due bottle becomes due now, or receive_all's
  // window would never cover it).
  const due = deliveryTime.getTime() <= ctx.now.getTime();
  return ok({
    ...base,
    receiver_id: ctx.bottleOwner,
    delivery_time: due ? ctx.now : deliveryTime,
    note: 'active bottle given to the owner of its number',
  });
}

function delivery(d: LegacyDoc, ctx: MessageMapContext, deliveryTime: Date): Mapped<Delivery> {
  if (ctx.bottle && bool(ctx.bottle.active, true)) return activeBottle(d, ctx, deliveryTime);
  const receiver = oid(d.receiver_id);
  if (!receiver) return fail('no receiver_id');
  return ok({
    receiver_id: receiver,
    receiver_phone: str(d.receiver_phone),
    blocked: bool(d.is_blocked),
    state: bool(d.notif_delivered) ? 'delivered' : 'pending',
    delivery_time: deliveryTime,
  });
}

export function mapMessage(d: LegacyDoc, ctx: MessageMapContext): Mapped<MappedMessage> {
  const id = oid(d._id);
  if (!id) return fail('_id is not an ObjectId');
  const sender = oid(d.sender_id);
  if (!sender) return fail('no sender_id');
  const deliveryTime = date(d.delivery_time);
  if (!deliveryTime) return fail('no delivery_time');
  const createdAt = date(d.created_at) ?? id.getTimestamp();
  const to = delivery(d, ctx, deliveryTime);
  if (!to.ok) return to;
  const { note, state, ...where } = to.value;
  const doc = {
    _id: id,
    sender_id: sender,
    ...where,
    message: str(d.message),
    photo_id: str(d.photo_id),
    video_id: str(d.video_id),
    sound_id: str(d.sound_id),
    created_at: createdAt,
    receive_label: str(d.receive_label),
    receive_color: str(d.receive_color),
    version: str(d.version) || '1.0',
    send_now: deliveryTime.getTime() <= createdAt.getTime(),
  };
  const job: PushJobDoc | undefined =
    state === 'pending' && !where.blocked && where.receiver_id
      ? {
          _id: id,
          kind: 'message',
          user_id: where.receiver_id,
          message_id: id,
          label: str(d.receive_label),
          due_at: where.delivery_time,
          created_at: ctx.now,
        }
      : undefined;
  return ok({ doc, job, note });
}

/** A message the original may have stored as a bottle: worth looking its bottle up. */
export function mayBeBottle(d: LegacyDoc): boolean {
  return str(d.receiver_phone).trim() !== '';
}
