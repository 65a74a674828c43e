/**
 * Statuses (../shared/CONTRACT.md §3 get_my_status). A user's status is the tier of the number of
 * future messages they sent that are still pending; it never goes down, so the highest
 * rank reached is kept in user.status_rank, and other users' statuses (contact lists) are
 * named from that stored rank with one read of the status tiers, uncached (statusNamer).
 * Founder phones are always "Founder".
 */
import type { Types } from 'mongoose';
import type { Config } from '../../config';
import { labelLanguage } from '../../domain/language';
import { rankForCount, statusLabel } from '../../domain/status';
import { AppError } from '../../errors';
import { Message } from '../../models/message';
import { User } from '../../models/user';
import { loadStatusTiers } from '../catalog/source';
import type { MessageDeps } from './messages';

export interface StatusSubject {
  status_rank?: number | null;
  device?: { phone?: string | null } | null;
}

/**
 * Returns a pure function naming each user's status in the viewer's language. The tiers are
 * read from the database at each call, not from the cached catalog (contacts have no
 * catalog source).
 */
export async function statusNamer(
  config: Config,
  countryCode: string,
): Promise<(user: StatusSubject) => string> {
  const tiers = await loadStatusTiers();
  const language = labelLanguage(countryCode);
  return (user) =>
    statusLabel(user.status_rank ?? 0, user.device?.phone, config.FOUNDER_PHONES, tiers, language);
}

/**
 * Future messages this user sent that are still pending (send-now ones do not count):
 * not due yet, or bottles nobody has claimed (they wait for an owner, not for a time).
 */
export function pendingSentCount(userId: Types.ObjectId, now: Date): Promise<number> {
  return Message.countDocuments({
    sender_id: userId,
    blocked: false,
    send_now: false,
    $or: [{ delivery_time: { $gt: now } }, { receiver_id: null }],
  });
}

/**
 * The user's status label. A higher rank than the stored one is saved with $max: two
 * concurrent requests may both write, and $max keeps the higher (on the embedded database,
 * where it is not atomic, at worst one raise is lost until the next call recomputes it).
 */
export async function myStatus(deps: MessageDeps, userId: Types.ObjectId): Promise<string> {
  const [user, count, catalog] = await Promise.all([
    User.findById(userId, { status_rank: 1, country_code: 1, 'device.phone': 1 }).lean(),
    pendingSentCount(userId, deps.now()),
    deps.catalog.get(),
  ]);
  if (!user) throw AppError.unauthorized();
  const stored = user.status_rank ?? 0;
  const reached = rankForCount(count, catalog.statusTiers);
  if (reached > stored) await User.updateOne({ _id: userId }, { $max: { status_rank: reached } });
  const rank = Math.max(stored, reached);
  const language = labelLanguage(user.country_code);
  return statusLabel(rank, user.device?.phone, deps.config.FOUNDER_PHONES, catalog.statusTiers, language);
}
