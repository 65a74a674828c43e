/** Reading a worker's Prometheus text in tests: one sample, or a sum of command counts. */

export const COMMANDS = 'pictever_worker_db_commands_total';

/** The value of one sample line, e.g. `name{label="x"}`; undefined when absent. */
export function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** The sum of the command counts whose labels include `labels` (e.g. `collection="x"`; "" for all). */
export function commandsWith(text: string, labels: string): number {
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${COMMANDS}{`) && l.includes(labels))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}
