/**
 * The baseline as its own process (the bench loads it like our web process): connects to
 * BASELINE_MONGODB_URI with the pool size ours uses, listens on PORT, stops on SIGTERM.
 */
import { MongoClient } from 'mongodb';
import { createBaseline } from './baseline';

async function main(): Promise<void> {
  const uri = process.env.BASELINE_MONGODB_URI;
  if (!uri) throw new Error('BASELINE_MONGODB_URI is not set');
  const client = await MongoClient.connect(uri, { maxPoolSize: 20, serverSelectionTimeoutMS: 5_000 });
  const server = await createBaseline(client.db());
  server.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
  process.on('SIGTERM', () => {
    server.close();
    server.closeAllConnections();
    client.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`baseline failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
