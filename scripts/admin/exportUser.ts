/**
 * `admin export-user <email|id> [--out <file>]`: the data export of the account page
 * (src/services/privacy/export.ts), as JSON on stdout or into a file.
 */
import { writeFileSync } from 'node:fs';
import { exportAccount } from '../../src/services/privacy/export';
import { findAccount } from '../../src/services/privacy/summary';
import { accountArgument, withDatabase } from './database';

export async function exportUserCommand(args: string[]): Promise<number> {
  const ref = accountArgument(args);
  const outAt = args.indexOf('--out');
  const out = outAt >= 0 ? args[outAt + 1] : undefined;
  if (!ref || (outAt >= 0 && !out)) {
    process.stderr.write('usage: export-user <email|id> [--out <file>]\n');
    return 2;
  }
  return withDatabase('admin', async (ctx) => {
    const account = await findAccount(ref);
    const data = account && (await exportAccount(ctx, account.id));
    if (!data) {
      process.stderr.write(`no account with the email or id ${ref}\n`);
      return 1;
    }
    const text = `${JSON.stringify(data, null, 2)}\n`;
    if (out) {
      writeFileSync(out, text, { mode: 0o600 }); // personal data: readable by its owner only
      process.stderr.write(
        `exported ${data.account.id}: ${data.messages_sent.length} messages sent, ` +
          `${data.messages_received.length} received, to ${out}\n`,
      );
    } else {
      process.stdout.write(text);
    }
    return 0;
  });
}
