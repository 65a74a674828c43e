/**
 * `npm run admin -- <command> [arguments]`: operator commands, one file each in
 * scripts/admin/. Where only the build is installed (a Heroku one-off dyno):
 * `heroku run node dist/scripts/admin.js <command> [arguments]`. Each command connects
 * to MONGODB_URI itself and answers with its exit code (0 done, 1 failed, 2 usage).
 */
import { deleteUserCommand } from './admin/deleteUser';
import { exportUserCommand } from './admin/exportUser';
import { rotateKeysCommand } from './admin/rotateKeys';

interface Command {
  run: (args: string[]) => Promise<number>;
  usage: string;
}

const COMMANDS: Record<string, Command> = {
  'export-user': {
    run: exportUserCommand,
    usage:
      'export-user <email|id> [--out <file>]   the account page\'s "Download my data" (stdout by default)',
  },
  'delete-user': {
    run: deleteUserCommand,
    usage: "delete-user <email|id>                  the account page's deletion; run again to finish one",
  },
  'rotate-keys': {
    run: rotateKeysCommand,
    usage: 'rotate-keys [--batch-size N] [--dry-run] every encrypted value under the first key of DATA_KEYS',
  },
};

function usage(): string {
  const lines = Object.values(COMMANDS).map((c) => `  ${c.usage}`);
  return `usage: npm run admin -- <command> [arguments]\n${lines.join('\n')}\n`;
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
