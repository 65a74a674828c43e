/**
 * `npm run admin -- <command> [arguments]`: operator commands, one file each in
 * scripts/admin/ (the console's, scripts/admin/ops/, call the same services as /ops).
 * Where only the build is installed (a Heroku one-off dyno):
 * `heroku run node dist/scripts/admin.js <command> [arguments]`. Each command connects
 * to MONGODB_URI itself and answers with its exit code (0 done, 1 failed, 2 usage).
 */
import { deleteUserCommand } from './admin/deleteUser';
import { exportUserCommand } from './admin/exportUser';
import type { AdminCommand } from './admin/ops/command';
import { pauseCommand, resumeCommand } from './admin/ops/delivery';
import { failuresCommand } from './admin/ops/failures';
import { peaksCommand } from './admin/ops/peaks';
import { requeueCommand } from './admin/ops/requeue';
import { revokeSessionsCommand } from './admin/ops/sessions';
import { statusCommand } from './admin/ops/status';
import { testPushCommand } from './admin/ops/testPush';
import { rotateKeysCommand } from './admin/rotateKeys';

const COMMANDS: Record<string, AdminCommand> = {
  'export-user': {
    run: exportUserCommand,
    syntax: 'export-user <email|id> [--out <file>]',
    summary: 'the account page\'s "Download my data" (stdout by default)',
  },
  'delete-user': {
    run: deleteUserCommand,
    syntax: 'delete-user <email|id>',
    summary: "the account page's deletion; run again to finish one",
  },
  'rotate-keys': {
    run: rotateKeysCommand,
    syntax: 'rotate-keys [--batch-size N] [--dry-run]',
    summary: 'every encrypted value under the first key of DATA_KEYS',
  },
  status: statusCommand,
  peaks: peaksCommand,
  failures: failuresCommand,
  requeue: requeueCommand,
  'test-push': testPushCommand,
  pause: pauseCommand,
  resume: resumeCommand,
  'revoke-sessions': revokeSessionsCommand,
};

/** One line a command, summaries aligned after the longest syntax. */
function usage(): string {
  const commands = Object.values(COMMANDS);
  const width = Math.max(...commands.map((c) => c.syntax.length));
  const lines = commands.map((c) => `  ${c.syntax.padEnd(width)}  ${c.summary}`);
  return (
    `usage: npm run admin -- <command> [arguments]\n${lines.join('\n')}\n` +
    '--json (status to revoke-sessions): one JSON document on stdout instead of text\n'
  );
}

async function main(): Promise<number> {
  const [name, ...args] = process.argv.slice(2);
  const command = name === undefined ? undefined : COMMANDS[name];
  if (!command) {
    process.stderr.write(name && name !== '--help' ? `unknown command: ${name}\n${usage()}` : usage());
    return 2;
  }
  return command.run(args);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`admin failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
