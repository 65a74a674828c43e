/**
 * The keyring of this process. Mongoose models are process-wide, and so are the keys their
 * encrypted fields use (src/models/encrypted.ts): every entry point loads them once at
 * start (src/db/mongo.ts openDatabase, createApp, the import and admin scripts). Reading
 * or writing an encrypted field before that throws, rather than storing plain text.
 *
 * Outside production an unset DATA_KEYS means local keys: generated once into
 * `<DEVDB_DIR>/data-keys`, in the git-ignored folder of the embedded database, and read
 * from there at every later start (by the web, the worker and the scripts alike).
 */
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { newDataKey, parseDataKeys, type Keyring } from './keyring';

let installed: Keyring | undefined;

export function installDataKeys(keyring: Keyring): void {
  installed = keyring;
}

export function dataKeys(): Keyring {
  if (!installed) {
    throw new Error(
      'data keys are not loaded: the process must call useDataKeys(config) at start (src/crypto/current.ts)',
    );
  }
  return installed;
}

/** The settings this needs (a Config fits; src/crypto imports nothing of the rest of src/). */
export interface DataKeySettings {
  NODE_ENV: string;
  DATA_KEYS?: Keyring;
  DEVDB_DIR: string;
}

export interface LoadedKeys {
  keyring: Keyring;
  /** Set when the keys came from the local file rather than DATA_KEYS. */
  file?: string;
  created?: boolean;
}

export function localKeysFile(devdbDir: string): string {
  return path.resolve(devdbDir, 'data-keys');
}

/**
 * Reads the local keys, creating the file first if there is none. Created under another
 * name, then linked into place: linking fails when the file exists, so two processes
 * starting together both end with the keys of whichever linked first, never half a file.
 */
function localKeys(file: string): { keyring: Keyring; created: boolean } {
  let created = false;
  try {
    return { keyring: parseDataKeys(readFileSync(file, 'utf8').trim()), created };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new Error(`${file}: ${(err as Error).message}`);
  }
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${newDataKey('local1')}\n`, { mode: 0o600 });
  try {
    linkSync(tmp, file);
    created = true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    rmSync(tmp, { force: true });
  }
  return { keyring: parseDataKeys(readFileSync(file, 'utf8').trim()), created };
}

/** Loads and installs the keys of `settings` (config); says where they came from. */
export function useDataKeys(settings: DataKeySettings): LoadedKeys {
  if (settings.DATA_KEYS) {
    installDataKeys(settings.DATA_KEYS);
    return { keyring: settings.DATA_KEYS };
  }
  if (settings.NODE_ENV === 'production') throw new Error('DATA_KEYS: required in production');
  const file = localKeysFile(settings.DEVDB_DIR);
  const { keyring, created } = localKeys(file);
  installDataKeys(keyring);
  return { keyring, file, created };
}
