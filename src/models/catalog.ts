/**
 * The catalog: data, not code, so an operator can edit it in the database (changes reach
 * each web process within CATALOG_CACHE_SECONDS). Field names are those of the original
 * server's send_choice, receive_label and status documents, so imported data keeps its
 * ids (send-choice keys are stored by the apps) and needs no renaming.
 * Seeded by scripts/seed.ts (src/services/catalog/seed.ts).
 */
import { Schema, model } from 'mongoose';

const sendChoiceSchema = new Schema(
  {
    order_id: { type: Number, required: true },
    send_label: { type: String, default: '' },
    send_label_fr: { type: String, default: '' },
    active: { type: Boolean, default: false },
    /** Seconds after sending; epoch seconds when time_absolute. */
    time_delay: { type: Number, default: 0 },
    time_absolute: { type: Boolean, default: false },
    /** Random delay in [random_min, random_max] s; unset bounds mean the original 5,259,487 to 25,000,000 s. */
    time_random: { type: Boolean, default: false },
    random_min: { type: Number },
    random_max: { type: Number },
  },
  { collection: 'send_choices', versionKey: false },
);
sendChoiceSchema.index({ order_id: 1 }); // the whole (small) catalog read in order

const receiveLabelSchema = new Schema(
  {
    label: { type: String, default: '' }, // past: "Sent a week ago"
    label_fr: { type: String, default: '' },
    future_label: { type: String, default: '' }, // future: "in a week"
    future_label_fr: { type: String, default: '' },
    inf: { type: Number, required: true }, // delay range in seconds, both included
    sup: { type: Number, required: true },
    active: { type: Boolean, default: false },
  },
  { collection: 'receive_labels', versionKey: false },
);
receiveLabelSchema.index({ inf: 1 }); // the whole (small) catalog read in order

const statusTierSchema = new Schema(
  {
    rank: { type: Number, required: true }, // 0 = Newbie; users keep their highest rank
    label: { type: String, default: '' },
    label_fr: { type: String, default: '' },
    inf: { type: Number, required: true }, // pending future messages sent, both included
    sup: { type: Number, required: true },
    active: { type: Boolean, default: false },
  },
  { collection: 'status_tiers', versionKey: false },
);
statusTierSchema.index({ rank: 1 }); // the whole (small) catalog read in order

export const SendChoice = model('SendChoice', sendChoiceSchema);
export const ReceiveLabel = model('ReceiveLabel', receiveLabelSchema);
export const StatusTier = model('StatusTier', statusTierSchema);
