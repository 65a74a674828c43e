/**
 * Pause delivery and resume it, for every worker (src/models/opsSwitch.ts): the workers
 * read the switch before they claim; nothing queued is touched.
 */
import { isDuplicateKey } from '../../db/writeErrors';
import { DELIVERY_SWITCH, OpsSwitch } from '../../models/opsSwitch';
import { recordAction, type Actor } from './actions';

export interface DeliverySwitch {
  paused: boolean;
  by?: string;
  at?: Date;
}

export async function deliverySwitch(): Promise<DeliverySwitch> {
  const doc = await OpsSwitch.findById(DELIVERY_SWITCH).lean();
  return doc ? { paused: doc.paused, by: doc.by, at: doc.at } : { paused: false };
}

/** Sets the switch (the last operator's choice wins) and records the action. */
export async function setDeliveryPaused(paused: boolean, by: Actor, now: Date): Promise<DeliverySwitch> {
  const write = () =>
    OpsSwitch.replaceOne({ _id: DELIVERY_SWITCH }, { paused, by, at: now }, { upsert: true });
  // Two first-ever writes may both try to insert: the refused one writes over the other's.
  await write().catch(async (err: unknown) => {
    if (!isDuplicateKey(err)) throw err;
    await write();
  });
  const result = paused ? 'delivery paused: workers claim nothing' : 'delivery resumed';
  await recordAction({
    at: now,
    by,
    action: paused ? 'pause' : 'resume',
    target: 'all workers',
    result,
    ok: true,
  });
  return { paused, by, at: now };
}
