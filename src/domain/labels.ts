/**
 * Receive labels: how a delay reads to the receiver, in the past ("Sent a week ago", the
 * message's receive_label and iOS push alert) or the future ("in a week", in teasers).
 */
import { pickRange, type ReceiveLabelRule } from './catalogRules';
import type { Language } from './language';

/** The text of the label whose range holds `delaySeconds`; "" without catalog. */
function labelText(
  labels: readonly ReceiveLabelRule[],
  delaySeconds: number,
  text: (rule: ReceiveLabelRule) => string,
): string {
  const rule = pickRange(labels, delaySeconds);
  return rule ? text(rule) : '';
}

/** The label of a message delivered `delaySeconds` after it was sent; "" without catalog. */
export function receiveLabelText(
  labels: readonly ReceiveLabelRule[],
  delaySeconds: number,
  language: Language,
): string {
  return labelText(labels, delaySeconds, (r) => (language === 'fr' ? r.label_fr : r.label));
}

/** "in a week" for a delivery `delaySeconds` from now; "" without catalog. */
export function futureLabelText(
  labels: readonly ReceiveLabelRule[],
  delaySeconds: number,
  language: Language,
): string {
  return labelText(labels, delaySeconds, (r) => (language === 'fr' ? r.future_label_fr : r.future_label));
}

/** The teaser pushed to a receiver who has the sender in their address book (../shared/CONTRACT.md §3). */
export function teaserText(name: string, futureLabel: string, language: Language): string {
  return language === 'fr'
    ? `${name} vient de t'envoyer un message. Tu le recevras ${futureLabel} !`
    : `${name} just sent you a message. You will receive it ${futureLabel}!`;
}
