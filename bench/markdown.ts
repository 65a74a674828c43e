/** Number formats and Markdown tables of the report (report.ts, reportWorker.ts). */
export const f0 = (x: number) => x.toFixed(0);
export const f1 = (x: number) => x.toFixed(1);
export const mb = (x: number | undefined) => (x === undefined ? 'n/a' : `${f0(x)} MB`);
export const n = (x: number) => x.toLocaleString('en-US');
const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;

export function table(head: string[], rows: (string | number)[][]): string[] {
  return [row(head), row(head.map(() => '---')), ...rows.map(row)];
}
