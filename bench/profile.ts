/**
 * CPU profile of our web process under load: a web process started with
 * `node --cpu-prof` (through NODE_OPTIONS) on the API database, one endpoint loaded, then
 * stopped with SIGTERM so that it exits normally and writes its .cpuprofile; summarised
 * by cpuProfile.ts.
 */
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sendBody } from './api';
import { cleanupSends, type ApiWorld } from './apiWorld';
import { monotonicUs, summariseProfile, type ProfileSummary } from './cpuProfile';
import { loginCookie } from './http';
import { benchDb } from './inProcess';
import { runLoad, type LoadResult } from './load';
import { ourEnv, startProfiledWeb } from './procs';
import { say } from './progress';

export interface ProfileResult {
  endpoint: string;
  load: LoadResult;
  summary: ProfileSummary;
  file: string;
}

/** The main thread's profile: the largest file the process wrote. */
function largestProfile(dir: string): string {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => path.join(dir, f))
    .sort((a, b) => statSync(b).size - statSync(a).size);
  if (!files[0]) throw new Error(`no .cpuprofile written in ${dir}`);
  return files[0];
}

export async function profileEndpoint(
  uri: string,
  queryLogDir: string,
  world: ApiWorld,
  endpoint: '/receive_all' | '/send',
  o: { connections: number; durationS: number },
): Promise<ProfileResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pictever-bench-prof-'));
  say(`profiling our web process under ${endpoint} load (.cpuprofile in ${dir})`);
  const web = await startProfiledWeb(ourEnv(uri, queryLogDir), dir);
  let load: LoadResult;
  const window = { from: 0, to: 0 };
  try {
    const user = endpoint === '/send' ? world.alice : world.receiver;
    const cookie = await loginCookie(web.baseUrl, user.email, user.device.reg_id);
    window.from = monotonicUs();
    load = await runLoad(
      endpoint === '/send'
        ? { baseUrl: web.baseUrl, method: 'POST', path: '/send', cookie, body: () => sendBody(world), ...o }
        : { baseUrl: web.baseUrl, method: 'GET', path: '/receive_all?ts=0', cookie, ...o },
      `${endpoint} under --cpu-prof`,
    );
    window.to = monotonicUs();
  } finally {
    await web.handle.stop('SIGTERM');
  }
  if (endpoint === '/send') await cleanupSends(benchDb(), world);
  const file = largestProfile(dir);
  return { endpoint, load, summary: summariseProfile(file, window), file };
}
