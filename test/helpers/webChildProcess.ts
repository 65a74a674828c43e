/**
 * Starts test/helpers/webChild.ts, a second web process on the given database, and waits
 * for the port it prints; `stop` closes its stdin (which ends it) and waits for its exit.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

export interface WebChild {
  url: string;
  stop(): Promise<void>;
}

export async function startWebChild(uri: string, settings?: Record<string, string>): Promise<WebChild> {
  const script = path.join(__dirname, 'webChild.ts');
  const args = ['--import', 'tsx', script, uri, ...(settings ? [JSON.stringify(settings)] : [])];
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`web child exited with ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${port.trim()}`,
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.stdin.end();
      await exited;
    },
  };
}
