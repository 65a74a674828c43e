/**
 * The data keys of a test run: drawn once by globalSetup into DATA_KEYS (inherited by the
 * processes tests start), parsed here and installed for every integration test file, so
 * that models read and write encrypted fields as in production (src/crypto/current.ts).
 */
import { installDataKeys } from '../../src/crypto/current';
import { parseDataKeys, type Keyring } from '../../src/crypto/keyring';

export function testDataKeys(): string {
  const keys = process.env.DATA_KEYS;
  if (!keys)
    throw new Error('DATA_KEYS is not set: run the tests through jest (test/helpers/globalSetup.ts)');
  return keys;
}

export function testKeyring(): Keyring {
  return parseDataKeys(testDataKeys());
}

/** Puts the run's keys back after a test installed others (rotation). */
export function installTestKeys(): Keyring {
  const keyring = testKeyring();
  installDataKeys(keyring);
  return keyring;
}
