/**
 * `npm start`: the whole system on one machine. Starts the embedded database unless
 * MONGODB_URI is set, runs the release's index step on it (src/db/indexes.ts: the web and
 * the worker only check), then starts the web process and the worker, with readable logs. Ctrl-C or
 * SIGTERM stops them all; if one process dies, the others are stopped too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { loadConfig, type Config } from '../src/config';
import { syncIndexes } from '../src/db/indexes';
import { connectDatabase, disconnectDatabase } from '../src/db/mongo';
import { withDatabase } from '../src/db/uri';
import { createLogger } from '../src/logger';
import '../src/models';
import { startDevDb, type DevDb } from './lib/devdb';

const compiled = __filename.endsWith('.js');
const root = path.resolve(__dirname, compiled ? '../..' : '..');

function say(line: string): void {
  process.stdout.write(`[start] ${line}\n`);
}

/** Pretty-prints the children's JSON log lines when pino-pretty is installed. */
function logSink(): (line: string) => void {
  try {
    // pino-pretty is a dev dependency: production (Heroku) runs the processes directly.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pretty = require('pino-pretty') as (o: object) => NodeJS.WritableStream;
    const stream = pretty({ colorize: process.stdout.isTTY, translateTime: 'SYS:HH:MM:ss.l' });
    return (line) => (line.startsWith('{') ? stream.write(`${line}\n`) : say(line));
  } catch {
    return (line) => process.stdout.write(`${line}\n`);
  }
}

function entry(name: 'src/server' | 'workers/notifier'): string[] | undefined {
  const file = compiled ? path.join(root, 'dist', `${name}.js`) : path.join(root, `${name}.ts`);
  if (!existsSync(file)) return undefined;
  // Stack traces name the TypeScript lines: tsc writes the maps, Node reads them when asked.
  return compiled ? ['--enable-source-maps', file] : ['--import', 'tsx', file];
}

/**
 * A `.env` in the project folder, when there is one, sets what the environment does not
 * (Node's own parser; the processes started below inherit it). Heroku uses config vars.
 */
function loadDotEnv(): void {
  const file = path.join(root, '.env');
  if (!existsSync(file)) return;
  process.loadEnvFile(file);
  say('settings read from .env');
}

/** The release's index step on `uri`, logged like the processes (through `sink`). */
async function syncIndexesAt(uri: string, config: Config, sink: (line: string) => void): Promise<void> {
  const lines = { write: (text: string) => text.split('\n').filter(Boolean).forEach(sink) };
  const logger = createLogger(config.LOG_LEVEL, lines, 'start');
  const connection = await connectDatabase(uri, logger, { processName: 'start' });
  try {
    await syncIndexes(connection, config, logger);
  } finally {
    await disconnectDatabase();
  }
}

async function main(): Promise<void> {
  loadDotEnv();
  const config = loadConfig();
  let db: DevDb | undefined;
  let uri = config.MONGODB_URI;
  if (!uri) {
    say(`no MONGODB_URI: starting the embedded database (${config.DEVDB_BACKEND}) in ${config.DEVDB_DIR}`);
    db = await startDevDb({
      dir: path.resolve(root, config.DEVDB_DIR),
      backend: config.DEVDB_BACKEND,
      postgres: config.DEVDB_POSTGRES,
      log: say,
    });
    uri = withDatabase(db.uri, 'pictever');
    say(`embedded database ready at ${uri}`);
  }
  const sink = logSink();
  try {
    await syncIndexesAt(uri, config, sink);
  } catch (err) {
    await db?.stop();
    throw err;
  }
  const children: ChildProcess[] = [];
  let stopping = false;

  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping');
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            c.once('exit', () => resolve());
            c.kill('SIGTERM');
          }),
      ),
    );
    await db?.stop();
    process.exit(code);
  };

  for (const name of ['src/server', 'workers/notifier'] as const) {
    const args = entry(name);
    if (!args) continue;
    const child = spawn(process.execPath, args, {
      cwd: root,
      env: { ...process.env, MONGODB_URI: uri },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    createInterface({ input: child.stdout }).on('line', sink);
    createInterface({ input: child.stderr }).on('line', (l) => process.stderr.write(`${l}\n`));
    child.on('exit', (code, signal) => {
      if (!stopping) {
        say(`${name} exited (${signal ?? code}); stopping everything`);
        void stopAll(code === 0 ? 1 : (code ?? 1));
      }
    });
    children.push(child);
  }
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));
}

main().catch((err: unknown) => {
  say(`failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
