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
  /**
   * One user per connection, as the apps load a server: one connection per cookie, each
   * sending its next request when its answer came (`connections` is then their number).
   */
  cookies?: string[];
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

type Run = Promise<autocannon.Result>;

function start(spec: LoadSpec, connections: number, cookie: string | undefined): Run {
  const headers: Record<string, string> = {};
  if (cookie) headers.cookie = cookie;
  if (spec.body) headers['content-type'] = 'application/x-www-form-urlencoded; charset=UTF-8';
  const makeBody = spec.body;
  return autocannon({
    url: spec.baseUrl,
    connections,
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
}

/**
 * One user per connection: an autocannon run of one connection per cookie, all at once
 * (autocannon's requests are shared by its connections, so one run cannot give each its
 * own cookie). Their counts add up; latency: the median of their medians and the highest
 * of their p99s.
 */
async function perUser(spec: LoadSpec, cookies: string[]): Run {
  const runs = await Promise.all(cookies.map((c) => start(spec, 1, c)));
  const sum = (f: (r: autocannon.Result) => number) => runs.reduce((s, r) => s + f(r), 0);
  const p50s = runs.map((r) => r.latency.p50).sort((a, b) => a - b);
  return {
    ...runs[0]!,
    duration: Math.max(...runs.map((r) => r.duration)),
    '2xx': sum((r) => r['2xx']),
    non2xx: sum((r) => r.non2xx),
    errors: sum((r) => r.errors),
    timeouts: sum((r) => r.timeouts),
    requests: { ...runs[0]!.requests, total: sum((r) => r.requests.total) },
    latency: {
      ...runs[0]!.latency,
      p50: p50s[Math.floor(p50s.length / 2)]!,
      p99: Math.max(...runs.map((r) => r.latency.p99)),
    },
  };
}

export async function runLoad(spec: LoadSpec, label: string): Promise<LoadResult> {
  const run = spec.cookies ? perUser(spec, spec.cookies) : start(spec, spec.connections, spec.cookie);
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
