/**
 * What an import did, per collection: read, inserted, already present (a re-run), skipped
 * (could not be converted, with the first examples and why), and notes that did not stop
 * a record (e.g. a user imported without its device).
 */
import type { SuggestedVar } from './webApp';

export const EXAMPLES_KEPT = 10;

export interface CollectionStats {
  name: string;
  /** Where our documents went, e.g. "users" or "address_book_entries". */
  target: string;
  status: 'not started' | 'done' | 'done in an earlier run' | 'interrupted';
  resumedAfter?: string;
  read: number;
  inserted: number;
  present: number;
  skipped: number;
  /** Skip reason → count, with the first examples' ids. */
  reasons: Map<string, { count: number; examples: string[] }>;
  /** Remarks that did not stop a record (e.g. imported without its device), with examples. */
  notes: Map<string, { count: number; examples: string[] }>;
}

export interface ImportReport {
  dryRun: boolean;
  /** Stopped before the end; running it again continues from the checkpoints. */
  interrupted: boolean;
  /** Why the run stopped, when it was not asked to. */
  failure?: string;
  collections: CollectionStats[];
  config?: { vars: SuggestedVar[]; withheld: string[] };
}

export function newStats(name: string, target: string): CollectionStats {
  return {
    name,
    target,
    status: 'not started',
    read: 0,
    inserted: 0,
    present: 0,
    skipped: 0,
    reasons: new Map(),
    notes: new Map(),
  };
}

type Tally = Map<string, { count: number; examples: string[] }>;

function tally(map: Tally, key: string, n: number, id?: string): void {
  const entry = map.get(key) ?? { count: 0, examples: [] };
  entry.count += n;
  if (id !== undefined && entry.examples.length < EXAMPLES_KEPT) entry.examples.push(id);
  map.set(key, entry);
}

export function recordSkip(stats: CollectionStats, id: string, reason: string): void {
  stats.skipped += 1;
  tally(stats.reasons, reason, 1, id);
}

/** A remark about one record (`id` kept as an example) or about `n` records at once. */
export function addNote(stats: CollectionStats, note: string, id?: string, n = 1): void {
  if (n > 0) tally(stats.notes, note, n, id);
}

function formatStats(s: CollectionStats, dryRun: boolean): string[] {
  const inserted = dryRun ? 'convertible' : 'inserted';
  const lines = [
    `${s.name} → ${s.target}: ${s.status}${s.resumedAfter ? ` (resumed after ${s.resumedAfter})` : ''}`,
    `  read ${s.read}, ${inserted} ${s.inserted}, already present ${s.present}, skipped ${s.skipped}`,
  ];
  const eg = (examples: string[]) => (examples.length > 0 ? ` (e.g. ${examples.join(', ')})` : '');
  for (const [note, { count, examples }] of s.notes) lines.push(`  note: ${note}: ${count}${eg(examples)}`);
  for (const [reason, { count, examples }] of s.reasons) {
    lines.push(`  skipped: ${reason}: ${count}${eg(examples)}`);
  }
  return lines;
}

export function formatReport(report: ImportReport): string {
  const lines = [report.dryRun ? 'Legacy import report (dry run: nothing written)' : 'Legacy import report'];
  for (const s of report.collections) lines.push(...formatStats(s, report.dryRun));
  if (report.failure) lines.push(`FAILED: ${report.failure}`);
  if (report.interrupted) lines.push('INTERRUPTED: run the same command again to continue.');
  if (report.config) {
    lines.push('web_app (not imported; suggested environment variables, review before use):');
    for (const v of report.config.vars) lines.push(`  ${v.name}=${v.value}   # web_app.${v.legacyField}`);
    if (report.config.withheld.length > 0) {
      lines.push(`  withheld (secret-looking): ${report.config.withheld.join(', ')}`);
    }
  }
  return lines.join('\n');
}
