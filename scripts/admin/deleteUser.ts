/**
 * `admin delete-user <email|id>`: the account page's deletion (src/services/privacy/
 * deletion.ts), without the email confirmation. Running it again on an account whose
 * deletion was interrupted finishes it; on an account already gone it does nothing.
 */
import { deleteAccount } from '../../src/services/privacy/deletion';
import { findAccount } from '../../src/services/privacy/summary';
import { accountArgument, withDatabase } from './database';

export async function deleteUserCommand(args: string[]): Promise<number> {
  const ref = accountArgument(args);
  if (!ref) {
    process.stderr.write('usage: delete-user <email|id>\n');
    return 2;
  }
  return withDatabase('admin', async (ctx) => {
    const account = await findAccount(ref);
    const result = account && (await deleteAccount(ctx, account.id));
    if (!result) {
      // Idempotent: a run after a finished deletion finds nothing, and that is success.
      process.stdout.write(`no account with the email or id ${ref}: nothing to delete\n`);
      return 0;
    }
    const removed = Object.entries(result.removed)
      .map(([step, n]) => `${step} ${n}`)
      .join(', ');
    process.stdout.write(
      `deleted account ${result.userId}${result.resumed ? ' (finishing an interrupted deletion)' : ''}: ${removed}\n`,
    );
    return 0;
  });
}
