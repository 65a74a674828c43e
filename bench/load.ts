/**
 * HTTP load with autocannon, run in the bench process (the servers are child processes):
 * a fixed number of keep-alive connections for a fixed time, each request built by a
 * function so that bodies can differ (a repeated /send would be taken for an app retry).
 */
import autocannon from 'autocannon';
import { cpuMs } from './procs';
import { during } from './progress';

export interface LoadSpec {
  baseUrl: string;
  method: 'GET' | 'POST';
  path: string;
  cookie?: string;
  /** A body per request (form-encoded); unset for GET. */
  body?: () => string;
  connections: number;
  durationS: number;
  /** The server process, whose CPU time per request is measured. */
  serverPid?: number;
}

export interface LoadResult {
  /** Successful (2xx) answers per second. */
  rps: number;
  p50: number;
  p99: number;
  ok: number;
  /** Non-2xx answers, connection errors and timeouts: a run with any is reported as such. */
  failed: number;
  /** CPU time of the server process per answered request, in ms (undefined without serverPid). */
  cpuMsPerRequest?: number;
}

export async function runLoad(spec: LoadSpec, label: string): Promise<LoadResult> {
  const headers: Record<string, string> = {};
  if (spec.cookie) headers.cookie = spec.cookie;
  if (spec.body) headers['content-type'] = 'application/x-www-form-urlencoded; charset=UTF-8';
  const makeBody = spec.body;
  const run = autocannon({
    url: spec.baseUrl,
    connections: spec.connections,
    duration: spec.durationS,
    requests: [
      {
        method: spec.method,
        path: spec.path,
        headers,
        ...(makeBody ? { setupRequest: (req: autocannon.Request) => ({ ...req, body: makeBody() }) } : {}),
      },
    ],
  });
  const cpuBefore = spec.serverPid ? cpuMs(spec.serverPid) : 0;
  const r = await during((s) => `${label} ${s}/${spec.durationS} s`, run);
  const answered = r.requests.total;
  const cpu = spec.serverPid ? (cpuMs(spec.serverPid) - cpuBefore) / Math.max(answered, 1) : undefined;
  return {
    cpuMsPerRequest: cpu,
    rps: r['2xx'] / r.duration,
    p50: r.latency.p50,
    p99: r.latency.p99,
    ok: r['2xx'],
    failed: r.non2xx + r.errors + r.timeouts,
  };
}
