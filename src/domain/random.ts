/**
 * Random draws from an injected uniform source (AppDeps.random), so that tests can pin
 * every "random" delivery time, delay and colour.
 */
export type RandomSource = () => number;

/** A uniform integer in [min, max], both included (Python's random.randint). */
export function randomInt(random: RandomSource, min: number, max: number): number {
  const lo = Math.ceil(Math.min(min, max));
  const hi = Math.floor(Math.max(min, max));
  // Clamp: a source returning exactly 1 must not overshoot the range.
  const r = Math.min(Math.max(random(), 0), 1 - Number.EPSILON);
  return lo + Math.floor(r * (hi - lo + 1));
}
