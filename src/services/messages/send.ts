/**
 * POST /send (../shared/CONTRACT.md §3). The route hands over a checked form (sizes, receivers and
 * option: routes/messages.ts); the send choice and every receiver are resolved before
 * anything is written; then the send is claimed against retries, charged against the
 * sender's daily quotas, its messages are stored in one bulk insert, and their pushes (and
 * teasers) are queued in another. Messages are written first: if the process dies before
 * the push jobs, the worker's sweep of pending due messages without a job still delivers them.
 * Round trips whatever the number of receivers: catalog (cached), phone owners, users,
 * address book (teasers), claim, the quota's last entry and the next, messages, then push jobs and
 * expired-claim cleanup.
 */
import { Types } from 'mongoose';
import { capabilitiesOf } from '../../db/capabilities';
import { ONE_BATCH } from '../../db/queries';
import { isOnlyDuplicateKeys } from '../../db/writeErrors';
import type { Catalog, SendChoiceRule } from '../../domain/catalogRules';
import { pickColor } from '../../domain/colors';
import { deliveryTime, settledDeliveryTime, type DeliveryOption } from '../../domain/deliveryTime';
import { futureLabelText, receiveLabelText, teaserText } from '../../domain/labels';
import { labelLanguage, type Language } from '../../domain/language';
import type { Receiver } from '../../domain/receivers';
import { dedupExpiry, dedupKeys, sendFingerprint } from '../../domain/sendDedup';
import { dataKeys } from '../../crypto/current';
import { AppError } from '../../errors';
import { AddressBookEntry } from '../../models/addressBook';
import { Message } from '../../models/message';
import { PhoneOwner } from '../../models/phoneOwner';
import { queuePushes } from '../pushes/queue';
import { SendDedup } from '../../models/sendDedup';
import { User } from '../../models/user';
import type { MessageDeps } from './messages';
import { chargeDailyQuotas, type QuotaCharge } from './quotas';

/** A teaser only announces a message that is more than this far away (../shared/CONTRACT.md §3). */
export const TEASER_MIN_DELAY_SECONDS = 200;

/** A send as the route checked it: within the size limits, at least one receiver, not empty. */
export interface SendInput {
  receivers: Receiver[];
  option: DeliveryOption;
  message: string;
  photoId: string;
  videoId: string;
  soundId: string;
}

interface Person {
  _id: Types.ObjectId;
  country_code: string;
  device?: { phone?: string | null } | null;
}

/** A user account, or a phone number without one (a bottle). */
interface Target {
  user?: Person;
  phone: string;
}

export interface SendOutcome {
  stored: number;
  duplicate: boolean;
  /** The insert's time, and whether it outlasted what WRITE_SETTLE_MS allows for. */
  writeMs?: number;
  late?: boolean;
}

function choiceFor(option: DeliveryOption, catalog: Catalog): SendChoiceRule | undefined {
  if (option.kind !== 'choice') return undefined;
  // Inactive choices still work: an app may hold a list from before an operator's edit.
  const choice = catalog.sendChoices.find((c) => c.id === option.key);
  if (!choice) throw AppError.badRequest('unknown send choice');
  return choice;
}

/** Receivers as accounts or bottles, each once: two queries for any number of receivers. */
async function resolveTargets(senderId: Types.ObjectId, receivers: Receiver[]) {
  const phones = receivers.flatMap((r) => (r.kind === 'num' ? [r.phone] : []));
  const owners = phones.length
    ? await PhoneOwner.find({ _id: { $in: phones } }, { user_id: 1 })
        .batchSize(ONE_BATCH)
        .lean()
    : [];
  const ownerOf = new Map(owners.map((o) => [o._id, o.user_id.toHexString()]));
  const ids = new Set([senderId.toHexString(), ...ownerOf.values()]);
  for (const r of receivers) if (r.kind === 'id') ids.add(r.id);
  const users = await User.find(
    { _id: { $in: [...ids].map((id) => new Types.ObjectId(id)) } },
    { country_code: 1, 'device.phone': 1 },
  )
    .batchSize(ONE_BATCH)
    .lean<Person[]>();
  const byId = new Map(users.map((u) => [u._id.toHexString(), u]));
  const sender = byId.get(senderId.toHexString());
  if (!sender) throw AppError.unauthorized();

  const targets = new Map<string, Target>();
  for (const r of receivers) {
    if (r.kind === 'id') {
      const user = byId.get(r.id);
      if (!user) throw AppError.badRequest('unknown receiver id');
      if (!targets.has(r.id)) targets.set(r.id, { user, phone: '' });
    } else {
      const owner = ownerOf.get(r.phone);
      const user = owner === undefined ? undefined : byId.get(owner);
      const key = user ? user._id.toHexString() : `num${r.phone}`;
      if (!targets.has(key)) targets.set(key, { user, phone: r.phone });
    }
  }
  return { sender, targets: [...targets.values()] };
}

/** Names the receivers give the sender in their address books, for teasers (one query). */
async function teaserNames(sender: Person, targets: Target[], delaySeconds: number) {
  const senderPhone = sender.device?.phone;
  const names = new Map<string, string>();
  if (!senderPhone || delaySeconds <= TEASER_MIN_DELAY_SECONDS) return names;
  const eligible = targets.flatMap((t) =>
    t.user && !t.user._id.equals(sender._id) && t.user.device?.phone ? [t.user._id.toHexString()] : [],
  );
  if (eligible.length === 0) return names;
  const entries = await AddressBookEntry.find(
    { _id: { $in: eligible.map((id) => `${id}:${senderPhone}`) } },
    { owner_id: 1, name: 1 },
  )
    .batchSize(ONE_BATCH)
    .lean();
  for (const e of entries) names.set(e.owner_id.toHexString(), e.name.trim() || senderPhone);
  return names;
}

/** Bottles have no account yet: French for French numbers, as the original guessed. */
function targetLanguage(t: Target): Language {
  return t.user ? labelLanguage(t.user.country_code) : t.phone.startsWith('0033') ? 'fr' : 'en';
}

interface Outbox {
  senderId: Types.ObjectId;
  req: SendInput;
  targets: Target[];
  names: Map<string, string>;
  delivery: Date;
  now: Date;
  catalog: Catalog;
}

type MessageDoc = ReturnType<typeof messageDocuments>[number];
type PushJob = ReturnType<typeof pushJobs>[number];

function messageDocuments(o: Outbox, random: MessageDeps['random']) {
  const delaySeconds = (o.delivery.getTime() - o.now.getTime()) / 1000;
  return o.targets.map((t) => ({
    _id: new Types.ObjectId(), // made here so that the push jobs can name it
    sender_id: o.senderId,
    receiver_id: t.user?._id ?? null,
    receiver_phone: t.phone,
    message: o.req.message,
    photo_id: o.req.photoId,
    video_id: o.req.videoId,
    sound_id: o.req.soundId,
    created_at: o.now,
    delivery_time: o.delivery,
    receive_label: receiveLabelText(o.catalog.receiveLabels, delaySeconds, targetLanguage(t)),
    receive_color: pickColor(random),
    version: '1.0',
    send_now: o.delivery.getTime() <= o.now.getTime(),
    blocked: false,
  }));
}

/** A push per message to an account (bottles have nobody to push yet), then the teasers. */
function pushJobs(o: Outbox, messages: MessageDoc[]) {
  const delaySeconds = (o.delivery.getTime() - o.now.getTime()) / 1000;
  const pushes = messages.flatMap((m) =>
    m.receiver_id
      ? [
          {
            kind: 'message' as const,
            user_id: m.receiver_id,
            message_id: m._id,
            label: m.receive_label,
            due_at: o.delivery,
          },
        ]
      : [],
  );
  const teasers = o.targets.flatMap((t) => {
    const name = t.user && o.names.get(t.user._id.toHexString());
    if (!t.user || name === undefined) return [];
    const lang = targetLanguage(t);
    const text = teaserText(name, futureLabelText(o.catalog.receiveLabels, delaySeconds, lang), lang);
    return [{ kind: 'teaser' as const, user_id: t.user._id, text, due_at: o.now }];
  });
  return [...pushes, ...teasers].map((job) => ({ ...job, created_at: o.now }));
}

/** True when this request won the send (see domain/sendDedup.ts); false for a retry. */
async function claimSend(senderId: Types.ObjectId, req: SendInput, now: Date, windowSeconds: number) {
  const send = { senderId: senderId.toHexString(), ...req };
  const fingerprints = dataKeys()
    .dedupSecrets()
    .map((secret) => sendFingerprint(send, secret));
  const keys = dedupKeys(fingerprints, now, windowSeconds);
  const expires_at = dedupExpiry(now, windowSeconds);
  try {
    // Ordered: the first lost key stops the insert, which is what makes the rule exact.
    await SendDedup.insertMany(
      keys.map((_id) => ({ _id, sender_id: senderId, expires_at })),
      { ordered: true },
    );
    return { won: true, keys };
  } catch (err) {
    if (isOnlyDuplicateKeys(err)) return { won: false, keys };
    throw err;
  }
}

/** Frees a won claim whose send stored nothing, so that the app's retry is not a duplicate. */
function releaseClaim(keys: string[]): Promise<unknown> {
  return SendDedup.deleteMany({ _id: { $in: keys } }).catch(() => undefined);
}

/**
 * The sender's share of the day: one message per receiver, one push per message (bottles
 * are pushed once claimed) plus the teasers. A refused send frees its claim.
 */
async function chargeSend(deps: MessageDeps, senderId: Types.ObjectId, o: SendCharge) {
  const teasers = o.jobs.filter((j) => j.kind === 'teaser').length;
  const use = { messages: o.messages.length, pushes: o.messages.length + teasers };
  try {
    return await chargeDailyQuotas(deps.config, senderId, use, o.now);
  } catch (err) {
    await releaseClaim(o.keys);
    throw err;
  }
}

interface SendCharge {
  messages: MessageDoc[];
  jobs: { kind: string }[];
  keys: string[];
  now: Date;
}

/**
 * Writes the messages, each due no sooner than WRITE_SETTLE_MS after this write starts
 * (domain/deliveryTime settledDeliveryTime), their push jobs with them. An insert slower
 * than the settle time minus the look-ahead may have been passed by a /receive_all window:
 * it is logged, for the operator to raise WRITE_SETTLE_MS.
 */
async function storeMessages(
  deps: MessageDeps,
  o: { messages: MessageDoc[]; jobs: PushJob[]; charge: QuotaCharge; keys: string[] },
) {
  const { messages, jobs, charge, keys } = o;
  const writeStart = deps.now();
  const settle = deps.config.WRITE_SETTLE_MS;
  for (const m of messages) m.delivery_time = settledDeliveryTime(m.delivery_time, writeStart, settle);
  for (const j of jobs)
    if (j.kind === 'message') j.due_at = settledDeliveryTime(j.due_at, writeStart, settle);
  try {
    await Message.insertMany(messages);
    const writeMs = deps.now().getTime() - writeStart.getTime();
    return { writeMs, late: writeMs > settle - deps.config.CLOCK_SKEW_ALLOWANCE_MS };
  } catch (err) {
    // The bulk insert failed (validation happens before anything is written): free the
    // claim and the quota, so that the app's retry is neither a duplicate nor charged twice.
    await Promise.all([releaseClaim(keys), charge.refund().catch(() => undefined)]);
    throw err;
  }
}

export async function sendMessages(
  deps: MessageDeps,
  senderId: Types.ObjectId,
  req: SendInput,
): Promise<SendOutcome> {
  const now = deps.now();
  const [catalog, { sender, targets }] = await Promise.all([
    deps.catalog.get(),
    resolveTargets(senderId, req.receivers),
  ]);
  const delivery = deliveryTime(req.option, choiceFor(req.option, catalog), now, deps.random);
  const names = await teaserNames(sender, targets, (delivery.getTime() - now.getTime()) / 1000);
  const outbox: Outbox = { senderId, req, targets, names, delivery, now, catalog };
  const messages = messageDocuments(outbox, deps.random);
  const jobs = pushJobs(outbox, messages);

  const claim = await claimSend(senderId, req, now, deps.config.SEND_RETRY_WINDOW_SECONDS);
  if (!claim.won) return { stored: 0, duplicate: true };
  const charge = await chargeSend(deps, senderId, { messages, jobs, keys: claim.keys, now });
  const write = await storeMessages(deps, { messages, jobs, charge, keys: claim.keys });
  await Promise.all([
    queuePushes(jobs, now),
    // Keeps the claims of this sender to the last few minutes where no TTL index does
    // (the embedded database; README "Indexes").
    capabilitiesOf(SendDedup.db).ttl
      ? undefined
      : SendDedup.deleteMany({ sender_id: senderId, expires_at: { $lt: now } }).exec(),
  ]);
  return { stored: messages.length, duplicate: false, ...write };
}
