/**
 * Account deletion (README "Privacy"), one sequence keyed by the user id, used by the
 * account page and the operator's `delete-user` command alike.
 *
 * The first step marks the account (`deleting_at`) and removes its device in one update:
 * from then on the login refuses it and nothing is pushed to it. The sessions go next, so
 * that the user's phone stops writing (every request is a 401). Each later step deletes
 * one kind of record by the user id and can run any number of times; the user document
 * goes last. A run that dies halfway leaves the mark, and the next run does every step
 * again and finishes: the operator's command run again, the page's next sign-in with the
 * right password, or the worker's cleanup job once ACCOUNT_DELETION_RESUME_MINUTES have
 * passed since the mark.
 *
 * Messages the user sent that were already delivered stay in their receivers' inboxes;
 * /receive_all then finds no sender and shows it empty (services/messages/receive.ts).
 *
 * On the embedded database every filtered read or delete scans its collection, and `$in`
 * too, while a statement by exact `_id` uses its index (README "Databases"): each
 * collection is read or deleted from once per step, and messages are deleted by `_id`.
 */
import type { Types } from 'mongoose';
import { ONE_BATCH } from '../../db/queries';
import { staysAfterDeletion } from '../../domain/accountDeletion';
import { normaliseEmail } from '../../domain/email';
import { AppError } from '../../errors';
import type { Logger } from '../../logger';
import { AddressBook, AddressBookEntry, JoinAnnouncement } from '../../models/addressBook';
import { JobRun } from '../../models/jobRun';
import { Message } from '../../models/message';
import { PhoneHistory } from '../../models/phoneHistory';
import { PhoneOwner } from '../../models/phoneOwner';
import { PushJob, PushSchedule } from '../../models/pushJob';
import { PushOutcome } from '../../models/pushOutcome';
import { QuotaHit } from '../../models/quotaHit';
import { ResetAttempt, ResetCode } from '../../models/resetCode';
import { SendDedup } from '../../models/sendDedup';
import { SessionRecord } from '../../models/session';
import { User } from '../../models/user';
import { unqueueMessages } from '../pushes/queue';

export interface DeletionDeps {
  logger: Logger;
  now: () => Date;
}

export interface DeletionStep {
  name: string;
  /** Deletes this step's records of the user; returns how many went. */
  run(userId: Types.ObjectId, now: Date): Promise<number>;
}

export interface DeletionResult {
  userId: string;
  /** The account carried the mark of an earlier, unfinished run. */
  resumed: boolean;
  /** Records removed, by step. */
  removed: Record<string, number>;
}

/** Messages deleted by one bulk write (one statement per `_id`). */
const MESSAGE_CHUNK = 500;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const deleted = async (op: PromiseLike<{ deletedCount: number }>) => (await op).deletedCount;

/** The mark, with the device gone in the same update (no push reaches the phone any more). */
async function mark(userId: Types.ObjectId, now: Date): Promise<number> {
  const marked = await User.updateOne(
    { _id: userId, deleting_at: { $exists: false } },
    { $set: { deleting_at: now }, $unset: { device: 1 } },
  );
  return marked.modifiedCount;
}

/** Who owns the number (released for someone else) and the account's number history. */
async function deletePhone(userId: Types.ObjectId): Promise<number> {
  const hex = userId.toHexString();
  // History keys all start with `<user id>:` (models/phoneHistory): a range on _id.
  const [owners, history] = await Promise.all([
    deleted(PhoneOwner.deleteMany({ user_id: userId })),
    deleted(PhoneHistory.deleteMany({ _id: { $gte: `${hex}:`, $lt: `${hex};` } })),
  ]);
  return owners + history;
}

/**
 * Every message received, and every message sent but not delivered; with each, its queued
 * push and the record of how its pushes ended. Pushes go before their message, so a run
 * that stops between the two finds the message again next time.
 */
async function deleteMessages(userId: Types.ObjectId, now: Date): Promise<number> {
  const hex = userId.toHexString();
  const found = await Message.find(
    { $or: [{ receiver_id: userId }, { sender_id: userId }] },
    { sender_id: 1, receiver_id: 1, delivery_time: 1, blocked: 1 },
  )
    .batchSize(ONE_BATCH)
    .lean();
  const doomed = found
    .filter(
      (m) =>
        !staysAfterDeletion(
          {
            senderId: m.sender_id.toHexString(),
            receiverId: m.receiver_id ? m.receiver_id.toHexString() : null,
            deliveryTime: m.delivery_time,
            blocked: m.blocked,
          },
          hex,
          now,
        ),
    )
    .map((m) => m._id);
  for (const ids of chunks(doomed, MESSAGE_CHUNK)) {
    await Promise.all([unqueueMessages(ids), PushOutcome.deleteMany({ message_id: { $in: ids } })]);
    await Message.bulkWrite(
      ids.map((_id) => ({ deleteOne: { filter: { _id } } })),
      { ordered: false },
    );
  }
  return doomed.length;
}

/**
 * Teasers and "joined" pushes queued for the user (message pushes went with their
 * messages). They carry no message id and are due at once, so they are the few text
 * pushes of the next seconds, found through the message_id index.
 */
async function deleteTextPushes(userId: Types.ObjectId): Promise<number> {
  let removed = 0;
  for (const queue of [PushJob, PushSchedule]) {
    const texts = await queue.find({ message_id: null }, { user_id: 1 }).batchSize(ONE_BATCH).lean();
    const mine = texts.filter((j) => j.user_id.equals(userId)).map((j) => j._id);
    if (mine.length === 0) continue;
    const result = await queue.bulkWrite(
      mine.map((_id) => ({ deleteOne: { filter: { _id } } })),
      { ordered: false },
    );
    removed += result.deletedCount;
  }
  return removed;
}

async function deleteAddressBook(userId: Types.ObjectId): Promise<number> {
  const [entries, books, announcements] = await Promise.all([
    deleted(AddressBookEntry.deleteMany({ owner_id: userId })),
    deleted(AddressBook.deleteOne({ _id: userId })),
    deleted(JoinAnnouncement.deleteOne({ _id: userId })),
  ]);
  return entries + books + announcements;
}

/** Reset codes (their attempts first), daily quota entries, send claims, the reminder key. */
async function deleteAccountRecords(userId: Types.ObjectId): Promise<number> {
  const codes = await ResetCode.find({ user_id: userId }, { _id: 1 }).lean();
  const attempts = codes.length
    ? await deleted(ResetAttempt.deleteMany({ code_id: { $in: codes.map((c) => c._id) } }))
    : 0;
  const counts = await Promise.all([
    deleted(ResetCode.deleteMany({ user_id: userId })),
    deleted(QuotaHit.deleteMany({ user_id: userId })),
    deleted(SendDedup.deleteMany({ sender_id: userId })),
    deleted(JobRun.deleteOne({ _id: `reminder:${userId.toHexString()}` })),
  ]);
  return attempts + counts.reduce((a, b) => a + b, 0);
}

/** In order: the mark first, the sessions second, the user document last. */
export const DELETION_STEPS: readonly DeletionStep[] = [
  { name: 'mark', run: mark },
  {
    name: 'sessions',
    run: (userId) => deleted(SessionRecord.deleteMany({ user_id: userId.toHexString() })),
  },
  { name: 'phone', run: deletePhone },
  { name: 'messages', run: deleteMessages },
  { name: 'text_pushes', run: deleteTextPushes },
  { name: 'address_book', run: deleteAddressBook },
  { name: 'account_records', run: deleteAccountRecords },
  // Only a marked account: the mark is what makes every earlier step final.
  { name: 'user', run: (userId) => deleted(User.deleteOne({ _id: userId, deleting_at: { $exists: true } })) },
];

/**
 * Deletes the account and everything of it (see the header), or finishes an earlier run;
 * null when there is no such account (never was, or already deleted).
 */
export async function deleteAccount(
  deps: DeletionDeps,
  userId: Types.ObjectId,
): Promise<DeletionResult | null> {
  const user = await User.findById(userId, { deleting_at: 1 }).lean();
  if (!user) return null;
  const now = deps.now();
  const removed: Record<string, number> = {};
  for (const step of DELETION_STEPS) removed[step.name] = await step.run(userId, now);
  const result = { userId: userId.toHexString(), resumed: !!user.deleting_at, removed };
  deps.logger.info(result, 'account deleted');
  return result;
}

/**
 * The account page's deletion: the signed-in user confirms by typing the account's email
 * (400 when it is not that email).
 */
export async function deleteOwnAccount(
  deps: DeletionDeps,
  userId: Types.ObjectId,
  typedEmail: string,
): Promise<DeletionResult> {
  const user = await User.findById(userId, { email: 1 }).lean();
  if (!user) throw AppError.unauthorized();
  if (normaliseEmail(typedEmail) !== user.email) {
    throw AppError.badRequest("the email typed is not this account's email");
  }
  const result = await deleteAccount(deps, userId);
  if (!result) throw AppError.unauthorized(); // deleted meanwhile by another request
  return result;
}

/**
 * Finishes the deletions whose mark is older than `olderThanMs` (a run takes seconds: an
 * older mark is a run that died), at most `limit` per call; returns how many.
 */
export async function finishStalledDeletions(
  deps: DeletionDeps,
  olderThanMs: number,
  limit = 20,
): Promise<number> {
  const before = new Date(deps.now().getTime() - olderThanMs);
  const stalled = await User.find({ deleting_at: { $lte: before } }, { _id: 1 })
    .limit(limit)
    .lean();
  let finished = 0;
  for (const u of stalled) if (await deleteAccount(deps, u._id)) finished += 1;
  return finished;
}
