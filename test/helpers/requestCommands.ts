/**
 * Database commands per request of a real web process (src/server.ts as it is), counted
 * by ./requestCommandsPreload.cjs preloaded into it: `env` goes into the process's environment,
 * `onLine` gets its output lines, `read` asks for the counts so far (SIGUSR2) and waits
 * for the line that carries them.
 */
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';

export type RequestCommands = Record<string, { requests: number; commands: number }>;

export interface CommandCounter {
  env: { NODE_OPTIONS: string };
  onLine: (line: string) => void;
  read: (child: ChildProcess, timeoutMs?: number) => Promise<RequestCommands>;
}

const PRELOAD = path.join(__dirname, 'requestCommandsPreload.cjs');

export function commandCounter(): CommandCounter {
  let waiting: ((counts: RequestCommands) => void) | undefined;
  return {
    env: { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require "${PRELOAD}"`.trim() },
    onLine: (line) => {
      if (!line.startsWith('{"requestCommands"')) return;
      waiting?.((JSON.parse(line) as { requestCommands: RequestCommands }).requestCommands);
      waiting = undefined;
    },
    read: (child, timeoutMs = 5_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the web printed no request commands')), timeoutMs);
        waiting = (counts) => {
          clearTimeout(timer);
          resolve(counts);
        };
        child.kill('SIGUSR2');
      }),
  };
}
