/**
 * Messages use cases shared by the routes: dependencies, ids, the send-choice list and
 * the future-message count. Sending, receiving, resending and blocking have their own files.
 */
import { Types } from 'mongoose';
import type { Config } from '../../config';
import { labelLanguage } from '../../domain/language';
import { isObjectIdHex } from '../../domain/objectId';
import type { RandomSource } from '../../domain/random';
import { AppError } from '../../errors';
import { Message } from '../../models/message';
import { User } from '../../models/user';
import type { CatalogSource } from '../catalog/source';

export interface MessageDeps {
  config: Config;
  now: () => Date;
  random: RandomSource;
  catalog: CatalogSource;
}

/** An ObjectId from 24 hex digits; undefined otherwise (never the driver's 12-byte form). */
export function parseObjectId(hex: string | undefined): Types.ObjectId | undefined {
  return isObjectIdHex(hex) ? new Types.ObjectId(hex) : undefined;
}

/** The logged-in user's country code (labels' language); 401 when the account is gone. */
export async function countryCodeOf(userId: Types.ObjectId): Promise<string> {
  const user = await User.findById(userId, { country_code: 1 }).lean();
  if (!user) throw AppError.unauthorized();
  return user.country_code;
}

export interface SendChoiceItem {
  order_id: string;
  key: string;
  send_label: string;
}

/** Active send choices by order_id, all strings, French labels for `fr` users. */
export async function sendChoicesFor(deps: MessageDeps, userId: Types.ObjectId): Promise<SendChoiceItem[]> {
  const [catalog, countryCode] = await Promise.all([deps.catalog.get(), countryCodeOf(userId)]);
  const fr = labelLanguage(countryCode) === 'fr';
  return catalog.sendChoices
    .filter((c) => c.active)
    .sort((a, b) => a.order_id - b.order_id)
    .map((c) => ({
      order_id: String(Math.trunc(c.order_id)),
      key: c.id,
      send_label: fr ? c.send_label_fr : c.send_label,
    }));
}

/**
 * Messages to this user still to come: not due yet, not blocked, not delivered at sending.
 * Pending is the delivery time, not a state the worker writes (README "Worker").
 */
export function futureMessageCount(userId: Types.ObjectId, now: Date): Promise<number> {
  return Message.countDocuments({
    receiver_id: userId,
    blocked: false,
    send_now: false,
    delivery_time: { $gt: now },
  });
}
