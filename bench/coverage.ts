/**
 * Phase 3, index coverage: `npm run check:indexes` (scripts/check-indexes.ts) as a child
 * process, including the query shapes the bench's own processes recorded
 * (DB_QUERY_LOG_DIR), so every query the load sent is checked against the declared indexes.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { during } from './progress';

export interface CoverageResult {
  summary: string;
  misses: string[];
  ok: boolean;
}

export async function runCoverage(queryLogDir: string): Promise<CoverageResult> {
  const root = path.resolve(__dirname, '..');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'scripts/check-indexes.ts', '--include', queryLogDir],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const lines: string[] = [];
  createInterface({ input: child.stdout }).on('line', (l) => lines.push(l));
  createInterface({ input: child.stderr }).on('line', (l) => lines.push(l));
  const code = await during(
    (s) => `index coverage (npm run check:indexes --include ${queryLogDir}) ${s} s`,
    new Promise<number | null>((resolve) => child.once('exit', resolve)),
  );
  const summary = lines.find((l) => / query shapes, \d+ served by an index/.test(l));
  return {
    summary: summary ?? `check:indexes exited with ${code} without a summary: ${lines.slice(-5).join(' | ')}`,
    misses: lines.filter((l) => l.startsWith('MISS')),
    ok: code === 0,
  };
}
