/**
 * Recording what happened to a push. Neither write decides a race (the claim did).
 *
 * The message is updated by _id alone: the job was checked against the message right
 * before sending (pending, same delivery time), and a filter on more fields would make
 * every record scan the messages collection on the embedded database. A resend landing
 * between that check and this write (the receiver resends a message whose push is being
 * recorded, in practice impossible) cannot lose the resent push: see isDone.
 * A dead token is cleared only if the user still has that token.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Types } from 'mongoose';
import { Message, type MessageState } from '../../src/models/message';
import { User } from '../../src/models/user';
import { recordRetryMs } from '../../src/push/backoff';
import type { Logger } from '../../src/logger';
import type { JobRecord, PushRecord } from './types';

export type { PushRecord };

export async function recordMessage(
  job: JobRecord,
  state: MessageState,
  push: PushRecord,
  opts: { onlyIfPending?: boolean } = {},
): Promise<void> {
  if (job.kind !== 'message' || !job.message_id) return;
  // onlyIfPending (a takeover's rare path): a message resent meanwhile is left alone.
  const filter = opts.onlyIfPending
    ? { _id: job.message_id, state: 'pending' as const, delivery_time: job.due_at }
    : { _id: job.message_id };
  await Message.updateOne(filter, { $set: { state, push } });
}

/**
 * Whether a message no longer pending was settled for its current delivery time. A
 * recorded push older than the delivery time belongs to a delivery before a resend.
 */
export function isDone(m: {
  state: string;
  delivery_time: Date;
  push?: { at?: Date | null } | null;
}): boolean {
  if (m.state === 'pending') return false;
  const at = m.push?.at;
  return !(at && at.getTime() < m.delivery_time.getTime());
}

export async function clearDeadToken(userId: Types.ObjectId, token: string): Promise<void> {
  await User.updateOne({ _id: userId, 'device.reg_id': token }, { $set: { 'device.reg_id': '' } });
}

/** "", "(null)" and missing are no token (../shared/CONTRACT.md §4). */
export function usableToken(regId: string | null | undefined): string | undefined {
  const t = (regId ?? '').trim();
  return t === '' || t === '(null)' ? undefined : t;
}

/**
 * Runs a database write until it succeeds: after a provider acknowledged a push, its
 * record must land before the job is removed, even across a database restart. Gives up
 * only when the process must exit (`hardStop`); the lease then lets another worker decide.
 */
export async function persist<T>(
  what: string,
  fn: () => Promise<T>,
  deps: { logger: Logger; hardStop: AbortSignal; random: () => number },
): Promise<T> {
  for (let failures = 1; ; failures++) {
    try {
      return await fn();
    } catch (err) {
      if (deps.hardStop.aborted) throw err;
      const waitMs = recordRetryMs(failures, deps.random);
      deps.logger.warn({ err, what, waitMs }, 'database write failed; retrying');
      await sleep(waitMs, undefined, { signal: deps.hardStop }).catch(() => undefined);
    }
  }
}
