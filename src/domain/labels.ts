/**
 * Receive labels: how a delay reads to the receiver, in the past ("Sent a week ago", the
 * message's receive_label and iOS push alert) or the future ("in a week", in teasers).
 */
import { pickRange, type ReceiveLabelRule } from './catalogRules';
import type { Language } from './language';

/** The label of a message delivered `delaySeconds` after it was sent; "" without catalog. */
export function receiveLabelText(
  labels: readonly ReceiveLabelRule[],
  delaySeconds: number,
  language: Language,
): string {
  const rule = pickRange(labels, delaySeconds);
  if (!rule) return '';
  return language === 'fr' ? rule.label_fr : rule.label;
}

/** "in a week" for a delivery `delaySeconds` from now; "" without catalog. */
export function futureLabelText(
  labels: readonly ReceiveLabelRule[],
  delaySeconds: number,
  language: Language,
): string {
  const rule = pickRange(labels, delaySeconds);
  if (!rule) return '';
  return language === 'fr' ? rule.future_label_fr : rule.future_label;
}

/** The teaser pushed to a receiver who has the sender in their address book (../shared/CONTRACT.md §3). */
export function teaserText(name: string, futureLabel: string, language: Language): string {
  return language === 'fr'
    ? `${name} vient de t'envoyer un message. Tu le recevras ${futureLabel} !`
    : `${name} just sent you a message. You will receive it ${futureLabel}!`;
}
