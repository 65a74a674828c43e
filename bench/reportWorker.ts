/** The worker phases of the report (report.ts): burst, burst growth, steady, database time. */
import type { BurstResult } from './burst';
import { f0, f1, mb, n, table } from './markdown';
import type { Lag, SteadyResult } from './worker';
import type { WorkerDbResult } from './workerDb';

const lag = (l: Lag) => `${l.atLeast ? '> ' : ''}${n(Math.round(l.ms))} ms`;
const secs = (ms: number | undefined) => (ms === undefined ? 'none' : `${f1(ms / 1000)} s`);
const rate = (x: number | undefined) => (x === undefined ? 'n/a' : f0(x));

/** The run's name in the tables. */
function runName(b: BurstResult): string {
  const s = b.spec;
  const workers = `${s.workers} worker${s.workers > 1 ? 's' : ''}`;
  if (!b.killed) return `${n(s.messages)} due, ${workers}`;
  const k = b.killed;
  return `${n(s.messages)} due, ${workers}, one killed at ${secs(k.afterDueMs)} (${n(k.pushedBefore)} pushed)`;
}

function burstRows(bs: BurstResult[]): (string | number)[][] {
  return bs.map((b) => [
    runName(b),
    `${f0(b.windowS)} s`,
    n(b.pushed),
    n(b.lost),
    b.doubled,
    `**${rate(b.pushesPerS)}**`,
    lag(b.p50),
    lag(b.p99),
    lag(b.max),
    secs(b.firstAfterDueMs),
    secs(b.lastAfterDueMs),
    b.takeovers,
    rssCell(b),
  ]);
}

/** Each worker's peak RSS, the killed one marked. */
export const rssCell = (b: BurstResult) =>
  b.peakRssMb.map((x, i) => `${mb(x)}${b.killed?.worker === i ? ' (killed)' : ''}`).join(' / ');

const BURST_HEAD = [
  'burst',
  'window',
  'pushed',
  'lost',
  'doubled',
  'pushes/s',
  'lag p50',
  'lag p99',
  'lag max',
  'first push after due',
  'last push after due',
  'takeovers',
  'peak RSS per worker',
];

/** Database commands per push: one row per command, one column per run. */
function commandsTable(bs: BurstResult[]): string[] {
  const most = new Map<string, number>();
  for (const b of bs)
    for (const c of b.commandsPerPush) most.set(c.command, Math.max(most.get(c.command) ?? 0, c.perPush));
  const commands = [...most].sort((a, b) => b[1] - a[1]).map(([c]) => c);
  const cell = (b: BurstResult, c: string) => b.commandsPerPush.find((x) => x.command === c)?.perPush ?? 0;
  const totals = bs.map((b) => `**${b.commandsPerPush.reduce((s, c) => s + c.perPush, 0).toFixed(2)}**`);
  return table(
    ['command', ...bs.map(runName)],
    [
      ...commands.map((c) => [c, ...bs.map((b) => cell(b, c).toFixed(2))]),
      ['all commands', ...totals],
      ['pushes recorded as sent (the divisor)', ...bs.map((b) => n(b.sentRecorded))],
    ],
  );
}

function leads(bs: BurstResult[]): string {
  const late = bs.filter((b) => b.seededAheadMs < 0);
  const text = bs.map((b) => secs(b.seededAheadMs)).join(', ');
  return (
    `Seeding: the workers were started on an empty queue, then the messages and their push jobs were written, ` +
    `all due at one whole second after the writes ended (by ${text}, run by run).` +
    (late.length
      ? ` **${late.length} run(s) finished writing after the due instant**: their lag includes the writes.`
      : '')
  );
}

export function burstSection(bs: BurstResult[], latencyMs: number): string[] {
  if (!bs.length) return [];
  return [
    '### Burst',
    '',
    ...table(BURST_HEAD, burstRows(bs)),
    '',
    `Fake providers answer after ${latencyMs} ms. Pushes/s from the first push to the last, lag from the due ` +
      "instant to the fake provider's receipt of a message's first push (`>`: not pushed within the window, counted " +
      'as the whole window); lost: not pushed within the window; doubled: pushes beyond the first of a message. A ' +
      "killed worker's run lasts at least its lease and 10 s past the kill. " +
      leads(bs),
    '',
    "Database commands per push, from the workers' own `pictever_worker_db_commands_total` between a scrape just " +
      'before the due instant and one at the end (a killed worker: its last scrape, right before the kill), over ' +
      "the pushes the same scrapes count as sent; the due gauge's `aggregate push_jobs` of each bench scrape is " +
      'taken out:',
    '',
    ...commandsTable(bs),
    ...scrapeNote(bs),
  ];
}

function scrapeNote(bs: BurstResult[]): string[] {
  const failed = bs.filter((b) => b.scrapeFailures > 0);
  if (!failed.length) return [];
  const which = failed.map((b) => `${runName(b)}: ${b.scrapeFailures}`).join('; ');
  return [
    '',
    `Worker scrapes unanswered within 5 s (those runs' command figures end at an earlier scrape): ${which}.`,
  ];
}

export function burstGrowthSection(bs: BurstResult[]): string[] {
  const [small, large] = bs;
  if (!small || !large) return [];
  const ratio =
    small.pushesPerS && large.pushesPerS ? `**${(large.pushesPerS / small.pushesPerS).toFixed(2)}**` : 'n/a';
  return [
    '### Burst among stored messages',
    '',
    ...table(
      [
        'stored messages besides',
        'future push jobs',
        'due at once',
        'window',
        'pushed',
        'pushes/s',
        'lag p50',
        'lag p99',
        'first push after due',
        'last push after due',
      ],
      bs.map((b) => [
        n(b.spec.stored ?? 0),
        n(b.futureJobs),
        n(b.spec.messages),
        `${f0(b.windowS)} s`,
        n(b.pushed),
        `**${rate(b.pushesPerS)}**`,
        lag(b.p50),
        lag(b.p99),
        secs(b.firstAfterDueMs),
        secs(b.lastAfterDueMs),
      ]),
    ),
    '',
    `Pushes/s with ${n(large.spec.stored ?? 0)} stored messages over with ${n(small.spec.stored ?? 0)}: ${ratio} ` +
      '(1 worker; the stored messages are half delivered within the past year, half pending within the next with ' +
      'their push jobs).',
  ];
}

export function steadySection(steady: SteadyResult): string[] {
  const out = [
    '### Steady',
    '',
    ...table(
      ['steady load', 'messages', 'lag p50', 'lag p99', 'lag max', 'before due', 'doubled', 'not pushed'],
      [
        [
          `${steady.ratePerS}/s for ${steady.seconds} s, 1 worker`,
          n(steady.messages),
          lag(steady.p50),
          `**${lag(steady.p99)}**`,
          lag(steady.max),
          steady.early,
          steady.duplicates,
          `${steady.missing} (within ${steady.waitS} s after the last due time)`,
        ],
      ],
    ),
    '',
    "Lag: from the message's delivery_time to the fake provider receiving its first push; a message not pushed by the end counts as at least its wait so far (`>`).",
  ];
  if (steady.note) out.push('', `Note: ${steady.note}.`);
  return out;
}

export function workerDbSection(w: WorkerDbResult): string[] {
  const total = w.commands.reduce((sum, c) => sum + c.totalMs, 0);
  return [
    `Where the worker's time goes: the loop in the bench process, ${n(w.backlog)} due, ${n(w.pushes)} pushes in ${f1(w.seconds)} s ` +
      `(${f0(w.pushes / w.seconds)}/s), every database command timed:`,
    '',
    ...table(
      ['command', 'per push', 'mean ms', 'share of database time'],
      w.commands.map((c) => [
        c.command,
        c.perPush.toFixed(2),
        f1(c.meanMs),
        `${((c.totalMs / (total || 1)) * 100).toFixed(0)} %`,
      ]),
    ),
  ];
}
