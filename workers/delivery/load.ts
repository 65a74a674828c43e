/**
 * Stage 3, load: what a claimed batch needs besides its jobs, the receivers' current
 * devices. One read by _id per distinct receiver (cheap on every database: the embedded
 * one serves `_id` look-ups without a scan, while `$in` scans), all at once; a receiver
 * of several jobs in the batch is read once. The message itself is not read: its job
 * carries the label. Only a job queued by an older version, without a label, reads it.
 */
import type { Types } from 'mongoose';
import { Message } from '../../src/models/message';
import { User } from '../../src/models/user';
import type { JobRecord } from './types';

export interface Device {
  os?: string | null;
  reg_id?: string | null;
}

/** user id (hex) -> current device, or null when the user or the device is gone. */
export type Devices = Map<string, Device | null>;

export async function loadDevices(jobs: readonly JobRecord[]): Promise<Devices> {
  const ids = [...new Set(jobs.map((j) => j.user_id.toHexString()))];
  // No projection: the embedded database answers a projected find by _id about four times
  // slower than the whole document (11 ms against 2.9 ms at 40 in parallel, measured).
  const users = await Promise.all(ids.map((id) => User.findById(id).lean()));
  return new Map(ids.map((id, i) => [id, users[i]?.device ?? null]));
}

/**
 * The label of a job without one (queued before jobs carried it), or why it is not to
 * be sent: the message is gone, blocked, or was resent to another time.
 */
export async function legacyLabel(
  messageId: Types.ObjectId | null | undefined,
  dueAt: Date,
): Promise<{ label: string } | { drop: string }> {
  const m = messageId
    ? await Message.findById(messageId).select({ blocked: 1, delivery_time: 1, receive_label: 1 }).lean()
    : null;
  if (!m) return { drop: 'message deleted' };
  if (m.blocked) return { drop: 'message blocked' };
  if (m.delivery_time.getTime() !== dueAt.getTime()) return { drop: 'message resent' };
  return { label: m.receive_label };
}
