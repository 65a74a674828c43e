/**
 * Switches operators set for every process (README "Operating"); one document each.
 * `_id: 'delivery'` pauses the push workers: each reads it before it claims (at most once
 * a poll interval), and while it says paused claims nothing; the queue just waits.
 * A switch is set by a whole-document write: the last operator's choice wins, and no
 * count or race depends on it (the action log keeps who set it when).
 */
import { Schema, model } from 'mongoose';

export const DELIVERY_SWITCH = 'delivery';

const opsSwitchSchema = new Schema(
  {
    _id: { type: String, required: true },
    paused: { type: Boolean, required: true },
    by: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { collection: 'ops_switches', versionKey: false },
);

export const OpsSwitch = model('OpsSwitch', opsSwitchSchema);
