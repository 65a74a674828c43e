/**
 * Prometheus text in tests, read as a scraper would: a strict line-by-line check of the
 * exposition format (prom-client has no parser, and none is installed), and the sums and
 * single values of the samples it returns.
 */

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = `[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"`;
// Numbers as Prometheus reads them (Go's ParseFloat: NaN and Inf in any case; prom-client writes "Nan").
const VALUE = '[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?|[+-]?[iI][nN][fF]|[nN][aA][nN]';
const SAMPLE_LINE = new RegExp(`^(${NAME})(?:\\{((?:${LABEL})(?:,${LABEL})*)\\})? (${VALUE})(?: -?\\d+)?$`);
const HELP_LINE = new RegExp(`^# HELP (${NAME}) (?:[^\\\\]|\\\\[\\\\n])*$`);
const TYPE_LINE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);

/** The labels of a sample line's `{…}`, unescaped. */
export function labelsOf(labelText: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of (labelText ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
    out[m[1]!] = m[2]!.replace(/\\(.)/g, (_e, c: string) => (c === 'n' ? '\n' : c));
  }
  return out;
}

export interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * Checks Prometheus text (format 0.0.4) line by line, strictly, and returns its samples;
 * throws with every fault. Each line is empty, a HELP, a TYPE or a sample with well-formed
 * names, escaped label values and a number; each family's TYPE comes once, and its
 * samples follow it together (none elsewhere); no series repeats; a histogram's buckets rise to its
 * +Inf bucket, which equals its _count.
 */
export function checkExposition(text: string): ParsedSample[] {
  const faults: string[] = [];
  const samples: ParsedSample[] = [];
  const typed = new Map<string, string>();
  const series = new Set<string>();
  let family: string | undefined;
  if (!text.endsWith('\n')) faults.push('no line feed at the end');
  text
    .split('\n')
    .slice(0, -1)
    .forEach((line, i) => {
      const at = `line ${i + 1}: ${line}`;
      const help = HELP_LINE.exec(line);
      const type = TYPE_LINE.exec(line);
      const sampled = SAMPLE_LINE.exec(line);
      if (help || line === '') return; // the format ignores empty lines; prom-client ends each family with one
      if (type) {
        const name = type[1]!;
        if (typed.has(name)) faults.push(`${at} (TYPE repeated)`);
        typed.set(name, type[2]!);
        family = name;
        return;
      }
      if (!sampled) return void faults.push(`${at} (not a HELP, TYPE or sample line)`);
      const [, name = '', labelText, raw = ''] = sampled;
      const suffixes = typed.get(family ?? '') === 'histogram' ? ['_bucket', '_sum', '_count'] : [];
      if (family === undefined || (name !== family && !suffixes.some((s) => name === family + s))) {
        faults.push(`${at} (outside its family's TYPE block)`);
      }
      const labels = labelsOf(labelText);
      const key = `${name}{${Object.entries(labels)
        .sort()
        .map(([k, v]) => `${k}=${v}`)
        .join(',')}}`;
      if (series.has(key)) faults.push(`${at} (series repeated)`);
      series.add(key);
      const inf = /inf$/i.test(raw) ? (raw.startsWith('-') ? -Infinity : Infinity) : undefined;
      samples.push({ name, labels, value: inf ?? (/^nan$/i.test(raw) ? NaN : Number(raw)) });
    });
  faults.push(...histogramFaults(samples, typed));
  if (faults.length > 0) throw new Error(`bad exposition text:\n${faults.join('\n')}`);
  return samples;
}

/** Each histogram series: cumulative buckets in rising `le`, the +Inf one equal to _count. */
function histogramFaults(samples: readonly ParsedSample[], typed: ReadonlyMap<string, string>): string[] {
  const faults: string[] = [];
  const keyOf = (labels: Record<string, string>) =>
    JSON.stringify(
      Object.entries(labels)
        .filter(([k]) => k !== 'le')
        .sort(),
    );
  for (const [name, type] of typed) {
    if (type !== 'histogram') continue;
    const bySeries = new Map<string, { le: number; value: number }[]>();
    for (const s of samples.filter((x) => x.name === `${name}_bucket`)) {
      const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
      bySeries.set(keyOf(s.labels), [...(bySeries.get(keyOf(s.labels)) ?? []), { le, value: s.value }]);
    }
    for (const [key, buckets] of bySeries) {
      buckets.sort((a, b) => a.le - b.le);
      if (buckets.some((b, i) => Number.isNaN(b.le) || (i > 0 && b.value < buckets[i - 1]!.value))) {
        faults.push(`${name}${key}: buckets not cumulative`);
      }
      const count = samples.find((s) => s.name === `${name}_count` && keyOf(s.labels) === key);
      if (buckets.at(-1)?.le !== Infinity || count?.value !== buckets.at(-1)?.value) {
        faults.push(`${name}${key}: no +Inf bucket equal to _count`);
      }
    }
  }
  return faults;
}

/** The sum of the samples named `name` whose labels include `labels` (e.g. every provider of an outcome). */
export function sumOf(
  samples: readonly ParsedSample[],
  name: string,
  labels: Record<string, string> = {},
): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

/** The one sample named `name` with exactly these labels; undefined when absent. */
export function valueOf(
  samples: readonly ParsedSample[],
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const keys = Object.keys(labels);
  return samples.find(
    (s) =>
      s.name === name &&
      Object.keys(s.labels).length === keys.length &&
      keys.every((k) => s.labels[k] === labels[k]),
  )?.value;
}
