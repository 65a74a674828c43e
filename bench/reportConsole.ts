/** The `console` phase in the report (report.ts): what the operator's console costs. */
import type { ConsoleRead, ConsoleResult } from './console';
import { f1, n, table } from './markdown';

const ms = (x: number) => (x < 10 ? `${x.toFixed(2)} ms` : `${f1(x)} ms`);

/** The median set against what the read's cost follows: ms per 10,000 scheduled pushes… */
function ratio(r: ConsoleRead): string {
  if (!r.scale) return '';
  return `${ms((r.medianMs / r.scale.count) * r.scale.per)} per ${n(r.scale.per)} ${r.scale.of} (${n(r.scale.count)})`;
}

export function consoleSection(c: ConsoleResult): string[] {
  const s = c.sizes;
  const load = (l: number[]) => l.map(f1).join(', ');
  const total = c.commands.cold.reduce((k, x) => k + x.count, 0);
  const commands = c.commands.cold
    .map((x) => (x.count > 1 ? `${x.command} x${x.count}` : x.command))
    .join(', ');
  return [
    "## 7. Operator's console",
    '',
    `On a database of its own, in the bench process: ${n(s.scheduled)} pushes in push_schedule over the next 60 days ` +
      `(${n(c.peak.pushes)} of them in the hour from ${c.peak.hour.toISOString()}), ${n(s.backlog)} due in push_jobs, ` +
      `${n(s.failures)} failed and dead-token outcomes of 5 reasons, ${n(c.beats)} heartbeats (${s.workers} worker(s), 24 h at 15 s). ` +
      `Seeded in ${f1(c.seed.seconds)} s (${c.seed.parts.map((p) => `${p.collection} ${f1(p.seconds)} s`).join(', ')}). ` +
      `Median and max of ${s.reps} rounds, the reads in turn; the filtered read names the rarest reason ` +
      `(${Math.round(c.reason.share * 100)} %); "cold" is a page that reads the peaks, "cached" the reload within their 30 s cache. ` +
      `Load average ${load(c.loadBefore)} before, ${load(c.loadAfter)} after.`,
    '',
    ...table(
      ['read', 'median', 'max', 'median per stored documents'],
      c.reads.map((r) => [r.read, `**${ms(r.medianMs)}**`, ms(r.maxMs), ratio(r)]),
    ),
    '',
    `One page with the peaks cache cold sends ${total} database commands (${commands}); within the cache, ${c.commands.cached}.`,
  ];
}
