/**
 * Phase `console`: what one page of the operator's console (README "Operating") and each
 * of its reads cost at a New-Year-like size, on a database of its own, in this process.
 * Seeded by consoleSeed.ts: N pushes scheduled over the next 60 days (30 % in one hour), a
 * backlog of 2,000 due pushes, F failures, 24 h of heartbeats of W workers.
 *
 * Each read of src/services/ops/ is timed alone, then the whole page (consoleView) twice
 * per round: once with the peaks cache cold (comingPeaks reads them again) and once right
 * after, within the cache (PEAKS_CACHE_MS), as an operator's reload sees it. R rounds, the
 * reads in turn within each; median and max per read (the first round, with its fresh
 * connections, shows in the max). The database commands of one page, cold and cached, are
 * counted by the driver's command monitoring (inProcess.ts).
 */
import os from 'node:os';
import { consoleView, type ConsoleView } from '../src/services/ops/console';
import { FAILURES_SHOWN, failureReasons, listFailures } from '../src/services/ops/failures';
import { readPeaks } from '../src/services/ops/peaks';
import { queueStatus } from '../src/services/ops/status';
import {
  BEATS_PER_WORKER,
  FAILURE_REASONS,
  PEAK_SHARE,
  peakHour,
  scheduleSpan,
  seedActions,
  seedBacklog,
  seedBeats,
  seedFailures,
  seedSchedule,
  type SeedPart,
} from './consoleSeed';
import { benchDb, connectBench, type CommandLog } from './inProcess';
import { endStep, say, step } from './progress';

export interface ConsoleSizes {
  /** Pushes in push_schedule, due within the console's 60 days. */
  scheduled: number;
  /** Pushes in push_jobs, due now. */
  backlog: number;
  failures: number;
  workers: number;
  reps: number;
}

export interface ConsoleRead {
  read: string;
  medianMs: number;
  maxMs: number;
  /** The stored documents its cost is set against (ms per `per` of them). */
  scale?: { of: string; count: number; per: number };
}

export interface CommandCount {
  command: string;
  count: number;
}

export interface ConsoleResult {
  sizes: ConsoleSizes;
  beats: number;
  peak: { hour: Date; pushes: number };
  /** The reason the filtered read names (the rarest), and its share of the failures. */
  reason: { reason: string; share: number };
  seed: { seconds: number; parts: SeedPart[] };
  reads: ConsoleRead[];
  /** The commands of one page with the peaks cache cold, and how many with it warm. */
  commands: { cold: CommandCount[]; cached: number };
  loadBefore: number[];
  loadAfter: number[];
}

const ACTIONS = 200;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function seed(s: ConsoleSizes, now: Date) {
  const db = benchDb();
  const started = Date.now();
  const peak = peakHour(now, scheduleSpan(now));
  const parts = [
    await seedSchedule(db, s.scheduled, now, peak),
    await seedBacklog(db, s.backlog, now),
    ...(await seedFailures(db, s.failures, now)),
    await seedBeats(db, s.workers, now),
    await seedActions(db, ACTIONS, now),
  ];
  return { peak, seed: { seconds: (Date.now() - started) / 1000, parts } };
}

/** Throws unless the console reads what was seeded: figures of a wrong seed mean nothing. */
function check(s: ConsoleSizes, view: ConsoleView): void {
  const { peaks, status, failures } = view;
  const alive = status.workers.filter((w) => w.alive).length;
  const problems = [
    peaks.total !== s.scheduled && `peaks count ${peaks.total} of ${s.scheduled} scheduled pushes`,
    status.backlog !== s.backlog && `backlog ${status.backlog} of ${s.backlog}`,
    alive !== s.workers && `${alive} of ${s.workers} workers alive`,
    status.lag_ms.sent === 0 && 'no lag figures summed from the beats',
    failures.length !== Math.min(FAILURES_SHOWN, s.failures) && `${failures.length} failures listed`,
  ].filter(Boolean);
  if (problems.length)
    throw new Error(`console: the seed is not what the console reads: ${problems.join('; ')}`);
}

/** The commands in the order first sent, each with how often. */
function countCommands(names: string[]): CommandCount[] {
  const counts = new Map<string, number>();
  for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
  return [...counts].map(([command, count]) => ({ command, count }));
}

interface Case {
  read: string;
  run: (now: Date) => Promise<unknown>;
  scale?: ConsoleRead['scale'];
  /** A whole page: its commands are recorded in the first round. */
  page?: 'cold' | 'cached';
}

function cases(s: ConsoleSizes, beats: number, reason: string): Case[] {
  const outcomes = { of: 'stored failures', count: s.failures, per: 10_000 };
  return [
    {
      read: 'readPeaks(now)',
      run: readPeaks,
      scale: { of: 'scheduled pushes', count: s.scheduled, per: 10_000 },
    },
    { read: 'queueStatus(now)', run: queueStatus, scale: { of: 'heartbeats', count: beats, per: 1_000 } },
    { read: 'listFailures({})', run: () => listFailures({}), scale: outcomes },
    { read: `listFailures({reason})`, run: () => listFailures({ reason }), scale: outcomes },
    { read: 'failureReasons()', run: failureReasons, scale: outcomes },
    { read: 'consoleView(now), peaks cache cold', run: consoleView, page: 'cold' },
    { read: 'consoleView(now), peaks cached', run: consoleView, page: 'cached' },
  ];
}

interface Measured {
  reads: ConsoleRead[];
  commands: Record<'cold' | 'cached', string[]>;
}

/** Whether a page read the peaks (its commands include the read of push_schedule). */
const readThePeaks = (commands: string[]) => commands.includes('find push_schedule');

/**
 * R rounds of every case in turn, each round at its own clock. A page's commands are
 * recorded (the recording adds nothing to its time): each cold page must have read the
 * peaks and each cached one not, the first round's are reported, and the first cold page
 * is checked against the seed.
 */
async function measure(
  s: ConsoleSizes,
  list: Case[],
  clock: (round: number) => Date,
  log: CommandLog,
): Promise<Measured> {
  const times = list.map(() => [] as number[]);
  const commands: Measured['commands'] = { cold: [], cached: [] };
  for (let round = 1; round <= s.reps; round++) {
    const now = clock(round);
    for (const [k, c] of list.entries()) {
      step(`console: round ${round}/${s.reps}, ${c.read}`);
      let value: unknown;
      const timed = async () => {
        const t = performance.now();
        value = await c.run(now);
        times[k]!.push(performance.now() - t);
      };
      if (!c.page) {
        await timed();
        continue;
      }
      const sent = await log.record(timed);
      if (readThePeaks(sent) !== (c.page === 'cold'))
        throw new Error(`console: a ${c.page} page ${c.page === 'cold' ? 'did not read' : 'read'} the peaks`);
      if (round > 1) continue;
      commands[c.page] = sent;
      if (c.page === 'cold') check(s, value as ConsoleView);
    }
  }
  endStep();
  const reads = list.map((c, k) => ({
    read: c.read,
    medianMs: median(times[k]!),
    maxMs: Math.max(...times[k]!),
    scale: c.scale,
  }));
  return { reads, commands };
}

function print(reads: ConsoleRead[]): void {
  for (const r of reads) {
    const per = r.scale
      ? `, ${((r.medianMs / r.scale.count) * r.scale.per).toFixed(1)} ms per ${r.scale.per.toLocaleString('en-US')} ${r.scale.of}`
      : '';
    say(`console: ${r.read}: median ${r.medianMs.toFixed(1)} ms, max ${r.maxMs.toFixed(1)} ms${per}`);
  }
}

export async function runConsolePhase(uri: string, s: ConsoleSizes): Promise<ConsoleResult> {
  const beats = s.workers * BEATS_PER_WORKER;
  say(
    `== operator's console: ${s.scheduled.toLocaleString('en-US')} scheduled pushes, ${s.failures.toLocaleString('en-US')} failures, ` +
      `${s.workers} worker(s) x ${BEATS_PER_WORKER.toLocaleString('en-US')} heartbeats, ${s.reps} rounds`,
  );
  const log = await connectBench(uri);
  const base = new Date();
  const seeded = await seed(s, base);
  say(
    `console: seeded in ${seeded.seed.seconds.toFixed(1)} s (` +
      seeded.seed.parts
        .map((p) => `${p.collection} ${p.docs.toLocaleString('en-US')} in ${p.seconds.toFixed(1)} s`)
        .join(', ') +
      ')',
  );
  const rarest = FAILURE_REASONS.reduce((a, b) => (b.share < a.share ? b : a));
  // Each round's clock a millisecond before the previous one's: comingPeaks reads anew for
  // a clock earlier than its cached answer's, so each round's first page reads the peaks
  // while the beats stay fresh and the backlog due (moving past PEAKS_CACHE_MS would do as
  // well, but take the workers past two heartbeats of silence).
  const clock = (round: number) => new Date(base.getTime() - round);
  const loadBefore = os.loadavg();
  const { reads, commands } = await measure(s, cases(s, beats, rarest.reason), clock, log);
  const loadAfter = os.loadavg();
  print(reads);
  const pages = { cold: countCommands(commands.cold), cached: commands.cached.length };
  say(
    `console: one page sends ${commands.cold.length} database commands (${pages.cached} within the peaks cache)`,
  );
  return {
    sizes: s,
    beats,
    peak: { hour: seeded.peak, pushes: Math.round(s.scheduled * PEAK_SHARE) },
    reason: { reason: rarest.reason, share: rarest.share },
    seed: seeded.seed,
    reads,
    commands: pages,
    loadBefore,
    loadAfter,
  };
}
