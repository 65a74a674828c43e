/**
 * How the operator commands print for a terminal: times in UTC to the second, durations
 * rounded to one unit, columns aligned, bars of `#`. (--json prints the services' objects.)
 */

/** `2026-12-31 23:00:05Z` */
export function utc(d: Date | undefined): string {
  return d
    ? d
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d{3}Z$/, 'Z')
    : '-';
}

/** `45 s`, `12 min`, `3 h`, `2 days` */
export function duration(s: number): string {
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 7_200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.round(s / 3_600)} h`;
  return `${Math.round(s / 86_400)} days`;
}

/** A lag; `over`: beyond the histogram's last bound, which `v` then is. */
export function ms(v: number | undefined, over?: boolean): string {
  if (v === undefined) return '-';
  return `${over ? 'over ' : ''}${v < 1000 ? `${v} ms` : `${(v / 1000).toFixed(1)} s`}`;
}

/** Rows as aligned columns (two spaces apart), each line indented by two. */
export function table(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => `  ${row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ')}`.trimEnd());
}

/** `#` scaled so that `max` is `width` long; any count above 0 shows at least one. */
export function bar(count: number, max: number, width = 40): string {
  if (count <= 0 || max <= 0) return '';
  return '#'.repeat(Math.max(1, Math.round((count / max) * width)));
}
