/**
 * A second web process for race tests: the real app on the given database, listening on
 * a free loopback port that it prints on its first stdout line. It exits when its stdin
 * closes (the parent ended it or died).
 * Usage: webChild.ts <mongodb uri> [<JSON object of settings over the test ones>]
 */
import type { AddressInfo } from 'node:net';
import mongoose from 'mongoose';
import { createLogger } from '../../src/logger';
import { appOnDefaultConnection, testConfig } from './app';
import '../../src/models';

async function main(): Promise<void> {
  const [uri, settings] = process.argv.slice(2);
  mongoose.set('autoIndex', false);
  mongoose.set('bufferCommands', false);
  await mongoose.connect(uri!, { serverSelectionTimeoutMS: 5_000 });
  const extra = settings ? (JSON.parse(settings) as Record<string, string>) : {};
  const config = testConfig({ LOG_LEVEL: 'silent', ...extra });
  const app = appOnDefaultConnection(config, createLogger('silent'));
  const server = app.listen(0, '127.0.0.1', () => {
    process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
  });
  process.stdin.resume();
  process.stdin.on('end', () => {
    server.closeAllConnections();
    server.close();
    void mongoose.disconnect().finally(() => process.exit(0));
  });
}

void main();
