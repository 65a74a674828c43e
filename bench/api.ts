/**
 * Phase 1, the API against the baseline: /receive_all, /send (one receiver) and /login
 * under the same load, ours and the baseline alternating in one run on one small
 * database, plus the database round trips of one request of each (counted in process,
 * see inProcess.ts) and the web process's peak memory.
 */
import type { Db } from 'mongodb';
import { encodeForm } from '../scripts/lib/appClient';
import { cleanupLogins, cleanupSends, seedApiWorld, type ApiWorld } from './apiWorld';
import { call, loginBody, loginCookie } from './http';
import {
  benchDb,
  connectBench,
  startBaselineInProcess,
  startOursInProcess,
  type CommandLog,
  type InProcessServer,
} from './inProcess';
import { runLoad, type LoadResult, type LoadSpec } from './load';
import { ourEnv, peakRssMb, startBaseline, startOurWeb } from './procs';
import { say } from './progress';

/** "In one hour": a future send, so ours also looks up a teaser name, as the apps' sends do. */
export const IN_ONE_HOUR = '53b95c02edb08c3d6885041a';
/**
 * `/send`: as the apps send, many users each sending one message at a time (one connection
 * per sender, `ApiSettings.connections` of them); the stress row, one sender on all the
 * connections at once, as no app does.
 */
const SEND_STRESS = '/send (1 sender, all connections)';
const ENDPOINTS = ['/receive_all', '/send', SEND_STRESS, '/login'] as const;
type Endpoint = (typeof ENDPOINTS)[number];
type Impl = 'ours' | 'baseline';

export interface ApiSettings {
  connections: number;
  warmupS: number;
  runS: number;
  rounds: number;
}

export interface LoadSummary {
  rps: number;
  p50: number;
  p99: number;
  failed: number;
  /** CPU time of the server process per request. */
  cpuMs: number;
}

export interface Trips {
  min: number;
  max: number;
  commands: string[];
}

export interface ApiRow {
  endpoint: Endpoint;
  load: Record<Impl, LoadSummary>;
  trips: Record<Impl, Trips>;
}

export interface ApiResult {
  rows: ApiRow[];
  settings: ApiSettings;
  peakRssMb: Record<Impl, number | undefined>;
}

interface Target {
  baseUrl: string;
  receiverCookie: string;
  aliceCookie: string;
  /** Senders of the /send row, one per connection. */
  senderCookies: string[];
  /** The server's process, for its CPU time (the in-process servers have none). */
  pid?: number;
}

let sendNo = 0;
let loginNo = 0;

/** A /send form to bob, different each time (a repeat would be taken for a retry). */
export function sendBody(w: ApiWorld): string {
  sendNo += 1;
  return encodeForm('android', {
    message: `bench load ${sendNo} ${Date.now()}`,
    receiver_ids: [`id${w.bob._id.toHexString()}`],
    delivery_option: { type: IN_ONE_HOUR },
    photo_id: '',
  });
}

function nextLogin(w: ApiWorld): string {
  const user = w.logins[loginNo++ % w.logins.length]!;
  return loginBody(user.email, user.device.reg_id);
}

function loadSpec(e: Endpoint, t: Target, w: ApiWorld): Omit<LoadSpec, 'connections' | 'durationS'> {
  const base = { baseUrl: t.baseUrl, serverPid: t.pid };
  if (e === '/receive_all') {
    return { ...base, method: 'GET', path: '/receive_all?ts=0', cookie: t.receiverCookie };
  }
  if (e === '/send') {
    const cookies = t.senderCookies;
    return { ...base, method: 'POST', path: '/send', cookie: cookies[0], cookies, body: () => sendBody(w) };
  }
  if (e === SEND_STRESS) {
    return { ...base, method: 'POST', path: '/send', cookie: t.aliceCookie, body: () => sendBody(w) };
  }
  return { ...base, method: 'POST', path: '/login', body: () => nextLogin(w) };
}

async function targetOf(baseUrl: string, w: ApiWorld, senders: number, pid?: number): Promise<Target> {
  const senderCookies: string[] = [];
  for (const u of w.senders.slice(0, senders))
    senderCookies.push(await loginCookie(baseUrl, u.email, u.device.reg_id));
  return {
    baseUrl,
    pid,
    receiverCookie: await loginCookie(baseUrl, w.receiver.email, w.receiver.device.reg_id),
    aliceCookie: await loginCookie(baseUrl, w.alice.email, w.alice.device.reg_id),
    senderCookies,
  };
}

async function cleanup(db: Db, e: Endpoint, w: ApiWorld, keepSessions: unknown[]) {
  if (e === '/send' || e === SEND_STRESS) await cleanupSends(db, w);
  if (e === '/login') await cleanupLogins(db, keepSessions);
}

/** One request of an endpoint as the load sends it, on a counted in-process server. */
async function countTrips(server: InProcessServer, e: Endpoint, w: ApiWorld, reps: number): Promise<Trips> {
  const t = await targetOf(server.baseUrl, w, 1);
  const spec = loadSpec(e, t, w);
  const once = () => call(t.baseUrl, spec.method, spec.path, spec.cookie, spec.body?.());
  await once(); // warm: catalog cache, connection pool
  const counts: string[][] = [];
  for (let i = 0; i < reps; i++) counts.push(await server.commands.record(once));
  const sizes = counts.map((c) => c.length);
  return { min: Math.min(...sizes), max: Math.max(...sizes), commands: counts.at(-1) ?? [] };
}

async function countAll(uri: string, env: Record<string, string>, w: ApiWorld, commands: CommandLog) {
  const ours = await startOursInProcess(env, commands);
  const base = await startBaselineInProcess(uri);
  const trips = new Map<Endpoint, Record<Impl, Trips>>();
  try {
    for (const e of ENDPOINTS) {
      trips.set(e, { ours: await countTrips(ours, e, w, 5), baseline: await countTrips(base, e, w, 5) });
      await cleanup(benchDb(), e, w, []);
    }
  } finally {
    await ours.close();
    await base.close();
  }
  return trips;
}

function summarise(results: LoadResult[]): LoadSummary {
  const mean = (f: (r: LoadResult) => number) => results.reduce((s, r) => s + f(r), 0) / results.length;
  return {
    rps: mean((r) => r.rps),
    p50: mean((r) => r.p50),
    p99: mean((r) => r.p99),
    failed: mean((r) => r.failed),
    cpuMs: mean((r) => r.cpuMsPerRequest ?? 0),
  };
}

interface Comparison {
  db: Db;
  targets: Record<Impl, Target>;
  world: ApiWorld;
  settings: ApiSettings;
  keepSessions: unknown[];
}

/** Warm-up of each server, then rounds of ours and the baseline, alternating who goes first. */
async function compare(c: Comparison, e: Endpoint): Promise<Record<Impl, LoadSummary>> {
  const s = c.settings;
  const load = async (impl: Impl, durationS: number, label: string) => {
    const spec = { ...loadSpec(e, c.targets[impl], c.world), connections: s.connections, durationS };
    const r = await runLoad(spec, `${e} ${impl} ${label}`);
    await cleanup(c.db, e, c.world, c.keepSessions);
    return r;
  };
  for (const impl of ['ours', 'baseline'] as const) await load(impl, s.warmupS, 'warm-up');
  const results: Record<Impl, LoadResult[]> = { ours: [], baseline: [] };
  for (let round = 0; round < s.rounds; round++) {
    // Alternate who goes first, so that neither always runs on a warmer machine.
    const order: Impl[] = round % 2 === 0 ? ['ours', 'baseline'] : ['baseline', 'ours'];
    for (const impl of order) {
      const r = await load(impl, s.runS, `round ${round + 1}/${s.rounds}`);
      const cpu = (r.cpuMsPerRequest ?? 0).toFixed(1);
      say(`${e} ${impl}: ${r.rps.toFixed(0)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, CPU ${cpu} ms/req`);
      results[impl].push(r);
    }
  }
  return { ours: summarise(results.ours), baseline: summarise(results.baseline) };
}

/** Connects the bench to the API database and seeds it. */
export async function prepareApi(uri: string) {
  const commands = await connectBench(uri);
  const world = await seedApiWorld(benchDb());
  return { commands, world };
}

export async function runApiPhase(
  uri: string,
  queryLogDir: string,
  s: ApiSettings,
): Promise<{ result: ApiResult; world: ApiWorld; commands: CommandLog }> {
  say('== API: ours vs baseline');
  const { commands, world } = await prepareApi(uri);
  const db = benchDb();
  const env = ourEnv(uri, queryLogDir);
  say('counting database round trips per request (in process, one request at a time)');
  const trips = await countAll(uri, env, world, commands);
  await db.collection('sessions').deleteMany({});

  say('starting our web process and the baseline process');
  const [web, base] = await Promise.all([startOurWeb(env), startBaseline(uri)]);
  try {
    const targets: Record<Impl, Target> = {
      ours: await targetOf(web.baseUrl, world, s.connections, web.pid),
      baseline: await targetOf(base.baseUrl, world, s.connections, base.pid),
    };
    const sessions = await db
      .collection('sessions')
      .find({}, { projection: { _id: 1 } })
      .toArray();
    const c: Comparison = { db, targets, world, settings: s, keepSessions: sessions.map((d) => d._id) };
    const rows: ApiRow[] = [];
    for (const e of ENDPOINTS) rows.push({ endpoint: e, load: await compare(c, e), trips: trips.get(e)! });
    const peak = { ours: peakRssMb(web.pid), baseline: peakRssMb(base.pid) };
    return { result: { rows, settings: s, peakRssMb: peak }, world, commands };
  } catch (err) {
    say(`web process output:\n${web.tail.join('\n')}\nbaseline output:\n${base.tail.join('\n')}`);
    throw err;
  } finally {
    await Promise.all([web.handle.stop(), base.handle.stop()]);
  }
}
