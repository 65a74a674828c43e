/**
 * Throwaway TLS material for the fake APNs and FCM: a CA and a server certificate for
 * localhost and 127.0.0.1 signed by it, made with the openssl command (no npm dependency).
 * Worker processes trust the CA through NODE_EXTRA_CA_CERTS, exactly as an operator would;
 * it names one file, so both fakes of a test share one TestTls.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface TestTls {
  /** Path of the CA certificate (for NODE_EXTRA_CA_CERTS). */
  caFile: string;
  ca: string;
  cert: string;
  key: string;
}

export function makeTestTls(): TestTls {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pictever-tls-'));
  const f = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.pem'),
    '-days',
    '2',
    '-subj',
    '/CN=Pictever test CA',
  );
  openssl(
    'req',
    '-new',
    ...ec,
    '-keyout',
    f('server.key'),
    '-out',
    f('server.csr'),
    '-subj',
    '/CN=localhost',
  );
  writeFileSync(f('ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  openssl(
    'x509',
    '-req',
    '-in',
    f('server.csr'),
    '-CA',
    f('ca.pem'),
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-out',
    f('server.pem'),
    '-days',
    '2',
    '-extfile',
    f('ext.cnf'),
  );
  return {
    caFile: f('ca.pem'),
    ca: readFileSync(f('ca.pem'), 'utf8'),
    cert: readFileSync(f('server.pem'), 'utf8'),
    key: readFileSync(f('server.key'), 'utf8'),
  };
}
