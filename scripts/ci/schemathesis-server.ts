/**
 * The server scripts/ci/schemathesis.sh checks: a fresh embedded database in a temporary
 * folder and one web process from the sources on a free port, with an operator token (so
 * that the operator routes answer 401 without it, and 200 with it, rather than a hidden
 * 404), then one account signed up and logged in as the apps do. It prints, one per line,
 * `BASE_URL=…`, `SESSION=…` (the session cookie's value) and `OPERATOR_TOKEN=…`, then
 * `READY`; the web's log lines go to stderr. It stops everything
 * (web, database, folder) on SIGTERM or SIGINT, or when its parent process is gone.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AppClient, expectStatus } from '../lib/appClient';
import { startDevDb, type DevDb } from '../lib/devdb';
import { startWeb, type ProcessHandle } from '../lib/stack';
import { SESSION_COOKIE } from '../../src/http/session';

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** The session cookie's value from the client's jar (`session=<value>`). */
function sessionValue(client: AppClient): string {
  const cookie = client.cookieHeader;
  const prefix = `${SESSION_COOKIE}=`;
  if (!cookie.startsWith(prefix)) throw new Error('the login set no session cookie');
  return cookie.slice(prefix.length);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pictever-schemathesis-'));
  let db: DevDb | undefined;
  let web: ProcessHandle | undefined;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await web?.stop();
    await db?.stop();
    rmSync(dir, { recursive: true, force: true });
    process.exit(code);
  };
  process.on('SIGTERM', () => void stop(0));
  process.on('SIGINT', () => void stop(0));
  // A parent killed without a chance to stop us (its ppid changes) must not leave a server.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) void stop(0);
  }, 1000).unref();

  try {
    db = await startDevDb({ dir, throwAway: true, log: (l) => process.stderr.write(`${l}\n`) });
    const operatorToken = randomBytes(32).toString('hex');
    const started = await startWeb(
      {
        MONGODB_URI: `${db.uri}schemathesis`,
        OPERATOR_TOKEN: operatorToken,
        // Hashing at the production cost would only slow the run: the rules are the same.
        BCRYPT_COST: '4',
      },
      (line) => process.stderr.write(`web: ${line}\n`),
    );
    web = started.web;
    web.child.once('exit', (code, signal) => {
      if (stopping) return;
      process.stderr.write(`web exited (${signal ?? code})\n`);
      void stop(1);
    });

    const email = `schemathesis-${randomBytes(4).toString('hex')}@example.com`;
    const password = randomBytes(16).toString('hex');
    const client = new AppClient(started.baseUrl.replace(/\/$/, ''));
    expectStatus(await client.signup(email, password), 200, 'signup');
    expectStatus(await client.login(email, password), 200, 'login');

    say(`BASE_URL=${started.baseUrl.replace(/\/$/, '')}`);
    say(`SESSION=${sessionValue(client)}`);
    say(`OPERATOR_TOKEN=${operatorToken}`);
    say('READY');
  } catch (err) {
    process.stderr.write(`schemathesis server failed: ${err instanceof Error ? err.message : String(err)}\n`);
    await stop(1);
  }
}

void main();
