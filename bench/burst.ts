/**
 * The burst phase: N messages all due at one instant, pushed by 1 or 2 worker processes,
 * or by 2 of which one is killed (SIGKILL) once about a third were pushed. The workers are
 * started first, on an empty queue; the messages and their jobs are then written, all due
 * at the same whole second a little after the writes end (the lead is sized from the rate
 * at which this run wrote its users), so that start-up is not measured and both workers
 * face the burst together. A run ends when every message was pushed or its window (from
 * the due instant) closed; a killed worker's run is given its lease and 10 s more, the
 * time for the survivor to take over its claims.
 *
 * Database commands per push come from each worker's own /metrics: scraped just before
 * the due instant and at the end (the killed one every second and right before the kill),
 * divided by the pushes those same scrapes say were sent.
 */
import { loadConfig } from '../src/config';
import { benchDb, connectBench } from './inProcess';
import { startOurWorker } from './procs';
import { endStep, say, step } from './progress';
import { insertAll, insertUsers, storedMessages, userDocs } from './seed';
import {
  insertMessages,
  lagsOf,
  markOf,
  messagesTo,
  pushesSince,
  quantile,
  receivers,
  sleep,
  workerEnv,
  type Lag,
  type Mark,
  type Providers,
  type Push,
} from './worker';
import { spanTotals, WorkerProbe } from './workerProbe';

export interface BurstSpec {
  messages: number;
  workers: number;
  /** Kill the second worker with SIGKILL once about a third were pushed. */
  kill?: boolean;
  /** Messages stored besides the burst: half delivered, half pending with future push jobs. */
  stored?: number;
  windowS: number;
}

export interface BurstResult {
  spec: BurstSpec;
  /** Future push jobs queued besides the burst. */
  futureJobs: number;
  /** How long before the due instant the writes ended (negative: after it). */
  seededAheadMs: number;
  /** The window used, from the due instant (a kill lengthens it). */
  windowS: number;
  pushed: number;
  lost: number;
  doubled: number;
  /** From the first push to the last; undefined below two pushes. */
  pushesPerS: number | undefined;
  firstAfterDueMs: number | undefined;
  lastAfterDueMs: number | undefined;
  p50: Lag;
  p99: Lag;
  max: Lag;
  /** `worker`: its index in peakRssMb. */
  killed?: { afterDueMs: number; pushedBefore: number; worker: number };
  /** Per push recorded as sent by the workers, by "command collection", most first. */
  commandsPerPush: { command: string; perPush: number }[];
  sentRecorded: number;
  /** Worker scrapes that got no answer within 5 s. */
  scrapeFailures: number;
  takeovers: number;
  peakRssMb: (number | undefined)[];
}

/** The kill comes at a third pushed, or at this share of the window when that is slower. */
const KILL_BY_WINDOW_SHARE = 0.4;
const VICTIM_SCRAPE_MS = 1_000;

const ceilToSecond = (ms: number) => Math.ceil(ms / 1000) * 1000;

export function burstTitle(s: BurstSpec): string {
  const stored = s.stored ? `, ${s.stored} stored messages besides` : '';
  return `${s.messages} due at once, ${s.workers} worker(s)${s.kill ? ', one killed' : ''}${stored}`;
}

interface Watch {
  due: number;
  deadline: number;
  tokens: Set<string>;
  mark: Mark;
  leaseMs: number;
}

/** Follows the pushes until all arrived or the window closed, killing the victim on the way. */
async function follow(p: Providers, w: Watch, victim?: { probe: WorkerProbe; index: number }) {
  let killed: BurstResult['killed'];
  let lastScrape = 0;
  let deadline = w.deadline;
  for (;;) {
    const now = Date.now();
    const seen = new Set(pushesSince(p, w.mark).map((x) => x.token));
    const done = [...w.tokens].filter((t) => seen.has(t)).length;
    step('burst: pushed', done, w.tokens.size);
    if (victim && !killed) {
      const byWindow = w.due + KILL_BY_WINDOW_SHARE * (w.deadline - w.due);
      if (done >= w.tokens.size / 3 || now >= byWindow) {
        await victim.probe.scrape();
        await victim.probe.proc.handle.stop('SIGKILL');
        killed = { afterDueMs: Date.now() - w.due, pushedBefore: done, worker: victim.index };
        deadline = Math.max(deadline, Date.now() + w.leaseMs + 10_000);
      } else if (now - lastScrape >= VICTIM_SCRAPE_MS) {
        lastScrape = now;
        await victim.probe.scrape();
      }
    }
    if (done >= w.tokens.size || Date.now() > deadline) break;
    await sleep(250);
  }
  endStep();
  return { killed, deadline };
}

/** The receivers, and the stored messages besides; returns the users' write rate. */
async function seedAround(spec: BurstSpec) {
  const db = benchDb();
  const t0 = Date.now();
  const { users, senders } = await receivers(db, spec.messages, 'burst');
  // Users and their phone owners: as many documents as the messages and their jobs.
  const docsPerMs = (2 * users.length) / Math.max(1, Date.now() - t0);
  let futureJobs = 0;
  if (spec.stored) {
    const others = await userDocs(200, 'other');
    await insertUsers(db, others, 'burst: stored');
    const { messages, jobs, outcomes } = storedMessages(spec.stored, others);
    await insertAll(db, 'messages', messages, 'burst: stored messages');
    await insertAll(db, 'push_outcomes', outcomes, 'burst: their push outcomes');
    await insertAll(db, 'push_schedule', jobs, 'burst: future push jobs');
    futureJobs = jobs.length;
  }
  return { users, senders, docsPerMs, futureJobs };
}

type Seen = Pick<BurstResult, 'pushed' | 'lost' | 'doubled' | 'pushesPerS' | 'p50' | 'p99' | 'max'> &
  Pick<BurstResult, 'firstAfterDueMs' | 'lastAfterDueMs'>;

/** What the fakes saw: pushed means within the window; a doubled push counts whenever it came. */
function seenBy(pushes: Push[], tokens: Set<string>, due: number, deadline: number, endedAt: number): Seen {
  const dueOf = new Map([...tokens].map((t) => [t, due]));
  const inWindow = pushes.filter((x) => x.at <= deadline);
  const { lags, firstPush } = lagsOf(dueOf, inWindow, Math.min(endedAt, deadline));
  const { doubled } = lagsOf(dueOf, pushes, endedAt);
  const times = [...firstPush.values()];
  const span = times.length > 1 ? (Math.max(...times) - Math.min(...times)) / 1000 : 0;
  return {
    pushed: firstPush.size,
    lost: tokens.size - firstPush.size,
    doubled,
    pushesPerS: span > 0 ? firstPush.size / span : undefined,
    firstAfterDueMs: times.length ? Math.min(...times) - due : undefined,
    lastAfterDueMs: times.length ? Math.max(...times) - due : undefined,
    p50: quantile(lags, 0.5),
    p99: quantile(lags, 0.99),
    max: quantile(lags, 1),
  };
}

export async function runBurst(
  uri: string,
  queryLogDir: string,
  p: Providers,
  spec: BurstSpec,
): Promise<BurstResult> {
  say(`== worker burst: ${burstTitle(spec)}`);
  await connectBench(uri);
  const { users, senders, docsPerMs, futureJobs } = await seedAround(spec);
  const env = workerEnv(uri, queryLogDir, p);
  const leaseMs = loadConfig(env).WORKER_LEASE_MS;
  const procs = await Promise.all(Array.from({ length: spec.workers }, () => startOurWorker(env)));
  const probes = procs.map((w) => new WorkerProbe(w));
  try {
    const due = ceilToSecond(Date.now() + 2_000 + (1.5 * 2 * users.length) / docsPerMs);
    const mark = markOf(p);
    await insertMessages(
      benchDb(),
      messagesTo(users, senders, () => due),
      'burst',
    );
    const seededAheadMs = due - Date.now();
    await sleep(due - 500 - Date.now());
    await Promise.all(probes.map((x) => x.mark()));
    const tokens = new Set(users.map((u) => u.device.reg_id));
    const watch = { due, deadline: due + spec.windowS * 1000, tokens, mark, leaseMs };
    // The second worker dies; the first takes over its claims once their leases end.
    const victim = spec.kill && probes[1] ? { probe: probes[1], index: 1 } : undefined;
    const { killed, deadline } = await follow(p, watch, victim);
    await sleep(500); // a late doubled push would show now
    const endedAt = Date.now();
    await Promise.all(probes.filter((x) => x !== victim?.probe).map((x) => x.scrape()));
    const totals = spanTotals(probes);
    return {
      spec,
      futureJobs,
      seededAheadMs,
      windowS: (deadline - due) / 1000,
      ...seenBy(pushesSince(p, mark), tokens, due, deadline, endedAt),
      killed,
      commandsPerPush: [...totals.commands]
        .map(([command, n]) => ({ command, perPush: n / Math.max(totals.sent, 1) }))
        .sort((a, b) => b.perPush - a.perPush),
      sentRecorded: totals.sent,
      scrapeFailures: probes.reduce((sum, x) => sum + x.failures, 0),
      takeovers: totals.takeovers,
      peakRssMb: probes.map((x) => x.peakRssMb),
    };
  } finally {
    await Promise.all(procs.map((w) => w.handle.stop()));
  }
}
