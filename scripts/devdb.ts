/**
 * `npm run devdb [-- --dir FOLDER] [--port N]`: starts the embedded database alone and
 * prints its URI on stdout, for pointing MONGODB_URI of other commands at it (e.g. the
 * bench's MONGODB_URI path). The data goes to a new temporary folder unless --dir is
 * given. It runs until Ctrl-C.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startDevDb } from './lib/devdb';

const { values: args } = parseArgs({
  options: { dir: { type: 'string' }, port: { type: 'string', default: '0' } },
});

async function main(): Promise<void> {
  const dir = args.dir ?? mkdtempSync(path.join(os.tmpdir(), 'pictever-devdb-'));
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const db = await startDevDb({ dir, port: Number(args.port), throwAway: !args.dir, log: () => {} });
  process.stdout.write(`${db.uri}\n`);
  log(`embedded database on ${db.uri}, data in ${dir}; Ctrl-C stops it`);
  const stop = () => void db.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  db.process.once('exit', (code) => {
    log(`embedded database exited (${code})`);
    process.exit(1);
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`devdb failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
