/**
 * A small writer of Prometheus' text exposition format (version 0.0.4, what prom-client
 * serves), for the series prom-client cannot make: totals and histograms that another
 * process counted (src/http/workerMetrics.ts). prom-client's counters only go up from
 * this process's own increments, and its histograms only take one observation at a time;
 * it has no way to set a histogram's buckets.
 */

export type Labels = Readonly<Record<string, string>>;

export interface Sample {
  /** Appended to the family's name: `_bucket`, `_sum`, `_count` of a histogram. */
  suffix?: string;
  labels: Labels;
  value: number;
}

export interface Family {
  name: string;
  type: 'counter' | 'gauge' | 'histogram';
  help: string;
  samples: Sample[];
}

/** A label value between double quotes: backslash, double quote and line feed escaped. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** HELP text: backslash and line feed escaped (a double quote stays). */
function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** A sample value as Prometheus reads it (Go's ParseFloat, with +Inf, -Inf and NaN). */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

function sampleLine(name: string, s: Sample): string {
  const labels = Object.entries(s.labels).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`);
  const braces = labels.length === 0 ? '' : `{${labels.join(',')}}`;
  return `${name}${s.suffix ?? ''}${braces} ${formatValue(s.value)}`;
}

/**
 * The samples of one histogram, in seconds, from its bounds in milliseconds and its
 * non-cumulative counts (one per bound, then +Inf): cumulative `_bucket`s, `_sum`,
 * `_count` (the +Inf bucket's, so that the two always agree).
 */
export function histogramSamples(
  labels: Labels,
  boundsMs: readonly number[],
  counts: readonly number[],
  sumMs: number,
): Sample[] {
  let cumulative = 0;
  const buckets = [...boundsMs, Number.POSITIVE_INFINITY].map((ms, i) => {
    cumulative += counts[i] ?? 0;
    const le = ms === Number.POSITIVE_INFINITY ? '+Inf' : String(ms / 1000);
    return { suffix: '_bucket', labels: { ...labels, le }, value: cumulative };
  });
  return [
    ...buckets,
    { suffix: '_sum', labels, value: sumMs / 1000 },
    { suffix: '_count', labels, value: cumulative },
  ];
}

/** The text of these families, each one's samples together after its HELP and TYPE; empty ones left out. */
export function renderFamilies(families: readonly Family[]): string {
  return families
    .filter((f) => f.samples.length > 0)
    .map((f) =>
      [
        `# HELP ${f.name} ${escapeHelp(f.help)}`,
        `# TYPE ${f.name} ${f.type}`,
        ...f.samples.map((s) => sampleLine(f.name, s)),
      ].join('\n'),
    )
    .map((block) => `${block}\n`)
    .join('');
}
