/** The colours a received message is drawn in (../shared/CONTRACT.md §3 send). */
import { randomInt, type RandomSource } from './random';

export const RECEIVE_COLORS = ['ffdc1a', '6bb690', 'f6591e', 'f36f4d'] as const;
export type ReceiveColor = (typeof RECEIVE_COLORS)[number];

/** One of the four colours, uniformly. */
export function pickColor(random: RandomSource): ReceiveColor {
  return RECEIVE_COLORS[randomInt(random, 0, RECEIVE_COLORS.length - 1)]!;
}
