/**
 * `tsx scripts/rotate-keys.ts [--batch-size N] [--dry-run]`: the rotate-keys admin command
 * on its own (scripts/admin/rotateKeys.ts), until the admin dispatcher runs it.
 */
import { rotateKeysCommand } from './admin/rotateKeys';
import '../src/models';

rotateKeysCommand(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`rotate-keys failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
