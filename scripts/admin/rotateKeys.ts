/**
 * `npm run admin -- rotate-keys [--batch-size N] [--dry-run]`: rewrites every value encrypted
 * at rest under the first key of DATA_KEYS (src/services/privacy/rotateKeys.ts), with the
 * import's progress on stderr. Ctrl-C stops after the current batch (a second Ctrl-C stops
 * at once); running it again continues. Exit code 1 when interrupted, when a value cannot be
 * decrypted with DATA_KEYS, or when a dry run finds values to rewrite; 2 for a usage error;
 * 0 otherwise.
 */
import mongoose from 'mongoose';
import { dataKeys } from '../../src/crypto/current';
import {
  DEFAULT_ROTATION_BATCH,
  rotateKeys,
  type RotationReport,
} from '../../src/services/privacy/rotateKeys';
import { importProgress } from '../lib/importProgress';
import { withDatabase } from './database';

const USAGE = 'usage: npm run admin -- rotate-keys [--batch-size N] [--dry-run]';

export interface RotateArgs {
  batchSize: number;
  dryRun: boolean;
}

export function parseRotateArgs(argv: string[]): RotateArgs {
  const args: RotateArgs = { batchSize: DEFAULT_ROTATION_BATCH, dryRun: false };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = (argv[i] ?? '').split(/=(.*)/s, 2);
    if (flag === '--dry-run') args.dryRun = true;
    else if (flag === '--batch-size') args.batchSize = Number(inline ?? argv[++i] ?? '');
    else throw new Error(`unknown argument ${flag}\n${USAGE}`);
  }
  if (!Number.isInteger(args.batchSize) || args.batchSize < 1 || args.batchSize > 10_000) {
    throw new Error('--batch-size must be a whole number from 1 to 10000');
  }
  return args;
}

/** What the operator reads at the end: per collection, and whether the old keys can go. */
export function formatRotation(report: RotationReport, dryRun: boolean): string {
  const verb = dryRun ? 'to rewrite' : 'rewritten';
  const lines = report.collections.map(
    (c) =>
      `${c.collection.padEnd(21)} ${c.scanned} read, ${c.rewritten} ${verb} (${c.plain} plain before), ${c.unreadable} unreadable`,
  );
  const rewritten = report.collections.reduce((n, c) => n + c.rewritten, 0);
  lines.push(...report.unreadable.map((u) => `unreadable: ${u}`));
  if (report.interrupted) lines.push('interrupted: run rotate-keys again to continue');
  else if (report.unreadable.length > 0)
    lines.push(
      'some values cannot be decrypted with DATA_KEYS: keep every old key until they are dealt with',
    );
  else if (rewritten === 0)
    lines.push(`every value is under ${report.keyId}: the other keys may leave DATA_KEYS`);
  else if (!dryRun) lines.push(`done: run it again to check that nothing is left (values written meanwhile)`);
  return lines.join('\n');
}

export async function rotateKeysCommand(argv: string[]): Promise<number> {
  let args: RotateArgs;
  try {
    args = parseRotateArgs(argv);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 2;
  }
  return withDatabase('admin', async () => {
    const keyring = dataKeys();
    process.stderr.write(
      `rotating to key ${keyring.current.id} (DATA_KEYS holds ${keyring.ids.join(', ')})\n`,
    );
    let stop = false;
    const onSigint = () => {
      if (stop) process.exit(130);
      stop = true;
      process.stderr.write('\nstopping after the current batch (Ctrl-C again to quit now)\n');
    };
    process.on('SIGINT', onSigint);
    const started = Date.now();
    try {
      const report = await rotateKeys({
        db: mongoose.connection.db!,
        keyring,
        batchSize: args.batchSize,
        dryRun: args.dryRun,
        progress: importProgress(),
        shouldStop: () => stop,
      });
      process.stdout.write(`${formatRotation(report, args.dryRun)}\n`);
      process.stderr.write(`took ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
      const rewritten = report.collections.reduce((n, c) => n + c.rewritten, 0);
      return report.interrupted || report.unreadable.length > 0 || (args.dryRun && rewritten > 0) ? 1 : 0;
    } finally {
      process.off('SIGINT', onSigint);
    }
  });
}
