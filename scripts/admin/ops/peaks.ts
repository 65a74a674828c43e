/**
 * `admin peaks [--json]`: the console's Coming peaks, pushes due per hour for the next 48
 * hours and per UTC day for the next 60 days. Read now (readPeaks), not from the web
 * process's 30-second cache. Text: the hours and days with pushes due, each with a bar
 * scaled to the busiest; --json: every hour and day, empty ones included.
 */
import { PEAK_DAYS, PEAK_HOURS, type PeakBar, type Peaks } from '../../../src/domain/opsFigures';
import { readPeaks } from '../../../src/services/ops/peaks';
import { opsCommand, positionals } from './command';
import { bar, table, utc } from './format';

function chart(title: string, bars: PeakBar[], label: (d: Date) => string): string[] {
  const due = bars.filter((b) => b.count > 0);
  if (due.length === 0) return [`${title}: nothing due`];
  const max = Math.max(...due.map((b) => b.count));
  return [`${title}:`, ...table(due.map((b) => [label(b.start), String(b.count), bar(b.count, max)]))];
}

export function formatPeaks(p: Peaks): string {
  if (p.total === 0) return `Nothing due in the next ${PEAK_DAYS} days.`;
  return [
    `${p.total} pushes due in the next ${PEAK_DAYS} days.`,
    ...chart(`Next ${PEAK_HOURS} hours, per hour (UTC)`, p.hours, (d) => utc(d).slice(0, 16)),
    ...chart(`Next ${PEAK_DAYS} days, per UTC day`, p.days, (d) => utc(d).slice(0, 10)),
  ].join('\n');
}

export const peaksCommand = opsCommand({
  syntax: 'peaks [--json]',
  summary: `pushes due per hour (next ${PEAK_HOURS} h) and per day (next ${PEAK_DAYS} days)`,
  parse: (args) => positionals(args),
  run: async (ctx) => {
    const peaks = await readPeaks(ctx.now());
    return { text: formatPeaks(peaks), json: peaks, ok: true };
  },
});
