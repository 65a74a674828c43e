/** The bench's results as Markdown: printed at the end and written to bench/RESULTS.md. */
import type { AblationResult } from './ablation';
import type { ApiResult, ApiRow } from './api';
import type { ConsoleResult } from './console';
import type { CoverageResult } from './coverage';
import type { EncryptionResult } from './encryption';
import type { SelfTime } from './cpuProfile';
import type { GrowthResult } from './growth';
import type { ProfileResult } from './profile';
import type { BurstResult } from './burst';
import { f0, f1, mb, n, table } from './markdown';
import { consoleSection } from './reportConsole';
import { burstGrowthSection, burstSection, rssCell, steadySection, workerDbSection } from './reportWorker';
import type { SteadyResult } from './worker';
import type { WakeResult } from './wake';
import { wakeSection } from './reportWake';
import type { WorkerDbResult } from './workerDb';

export interface Environment {
  date: string;
  mode: 'quick' | 'full';
  command: string;
  machine: string;
  node: string;
  database: string;
  backend: string;
  loadBefore: number[];
  loadAfter: number[];
  seconds: number;
  /** How long each phase took, with the load average (1, 5, 15 min) before and after it. */
  phases: { name: string; seconds: number; loadBefore: number[]; loadAfter: number[] }[];
  providerLatencyMs: number;
}

export interface BenchResults {
  env: Environment;
  api?: ApiResult;
  profiles: ProfileResult[];
  ablation?: AblationResult;
  growth?: GrowthResult;
  burst: BurstResult[];
  burstGrowth: BurstResult[];
  workerDb?: WorkerDbResult;
  steady?: SteadyResult;
  coverage?: CoverageResult;
  encryption?: EncryptionResult;
  console?: ConsoleResult;
  wake?: WakeResult;
  notes: string[];
}

function header(e: Environment): string[] {
  const load = (l: number[]) => l.map(f1).join(', ');
  return [
    '# Benchmark results',
    '',
    `Written by \`${e.command}\` (${e.mode} mode) on ${e.date}, in ${f0(e.seconds)} s. See README "Benchmarks" for what each number means.`,
    '',
    ...table(
      ['', ''],
      [
        ['machine', e.machine],
        ['Node', e.node],
        ['database', e.database],
        ['backend', e.backend],
        ['fake providers', `answer after ${e.providerLatencyMs} ms (--provider-latency-ms)`],
        ['load average (1, 5, 15 min) before', load(e.loadBefore)],
        ['load average (1, 5, 15 min) after', load(e.loadAfter)],
      ],
    ),
    '',
    ...table(
      ['phase', 'took', 'load average before', 'after'],
      e.phases.map((p) => [p.name, `${f0(p.seconds)} s`, load(p.loadBefore), load(p.loadAfter)]),
    ),
  ];
}

function apiSection(a: ApiResult): string[] {
  const s = a.settings;
  const trips = (t: { min: number; max: number }) => (t.min === t.max ? `${t.min}` : `${t.min}-${t.max}`);
  const rows = a.rows.map((r) => {
    const o = r.load.ours;
    const b = r.load.baseline;
    return [
      r.endpoint,
      `${f0(o.rps)} / ${f0(b.rps)}`,
      `**${(o.rps / b.rps).toFixed(2)}**`,
      `${f0(o.p50)} / ${f0(b.p50)}`,
      `${f0(o.p99)} / ${f0(b.p99)}`,
      `${f1(o.cpuMs)} / ${f1(b.cpuMs)}`,
      `**${(o.cpuMs / (b.cpuMs || 1)).toFixed(1)}**`,
      `${trips(r.trips.ours)} / ${trips(r.trips.baseline)}`,
      `${f0(o.failed)} / ${f0(b.failed)}`,
    ];
  });
  return [
    '## 1. API: ours vs baseline',
    '',
    `${s.connections} connections, ${s.rounds} round(s) of ${s.runS} s per server and endpoint after a ${s.warmupS} s warm-up, ` +
      'ours and the baseline alternating, on one small database. Requests per second count 2xx answers; latency in ms; ' +
      "CPU is the server process's user + system time (/proc) divided by the requests it answered (means over rounds).",
    '',
    ...table(
      [
        'endpoint',
        'req/s ours / baseline',
        'ratio',
        'p50 ms ours / baseline',
        'p99 ms ours / baseline',
        'CPU ms per request ours / baseline',
        'CPU ratio',
        'DB round trips ours / baseline',
        'failed',
      ],
      rows,
    ),
    '',
    'Commands of one request (driver command monitoring, in process, one request at a time):',
    '',
    ...a.rows.flatMap((r) => [
      `- ${r.endpoint} ours: ${r.trips.ours.commands.join(', ')}`,
      `- ${r.endpoint} baseline: ${r.trips.baseline.commands.join(', ')}`,
    ]),
  ];
}

function workerSection(r: BenchResults): string[] {
  const parts = [
    burstSection(r.burst, r.env.providerLatencyMs),
    burstGrowthSection(r.burstGrowth),
    r.steady ? steadySection(r.steady) : [],
    r.workerDb ? workerDbSection(r.workerDb) : [],
  ].filter((p) => p.length);
  if (!parts.length) return [];
  return ['## 2. Worker', '', ...parts.flatMap((p) => [...p, ''])];
}

function growthSection(g: GrowthResult): string[] {
  const [small, large] = g.sizes;
  const rows = g.ops.map((o) => [
    o.name,
    ...o.ms.map((ms) => `${f1(ms)} ms`),
    `**${((o.ms[1] ?? 0) / (o.ms[0] || 1)).toFixed(1)}**`,
    o.trips.join(' / '),
  ]);
  return [
    '## 4. Growth',
    '',
    `Median of ${g.reps} requests, one at a time, on our app in process; push jobs queued: ${g.pushJobs.map(n).join(' and ')}.`,
    '',
    ...table(
      ['operation', `${n(small ?? 0)} messages`, `${n(large ?? 0)} messages`, 'large / small', 'round trips'],
      rows,
    ),
  ];
}

function memorySection(r: BenchResults): string[] {
  const rows: string[][] = [];
  if (r.api) {
    rows.push(['web (ours) after the API load', mb(r.api.peakRssMb.ours)]);
    rows.push(['baseline after the API load', mb(r.api.peakRssMb.baseline)]);
  }
  for (const b of [...r.burst, ...r.burstGrowth]) {
    const stored = b.spec.stored ? ` among ${n(b.spec.stored)} stored` : '';
    const what = `worker, burst of ${n(b.spec.messages)}${stored} with ${b.spec.workers} worker(s)${b.killed ? ', one killed' : ''}`;
    rows.push([what, rssCell(b)]);
  }
  if (!rows.length) return [];
  return [
    '## 5. Memory',
    '',
    'Peak resident set (VmHWM) of the child processes, which run from the TypeScript sources through tsx; a killed worker as read right before the kill.',
    '',
    ...table(['process', 'peak RSS'], rows),
  ];
}

const timeRows = (xs: SelfTime[]) =>
  xs.map((x) => [`\`${x.name}\``, `${f0(x.ms)} ms`, `${(x.share * 100).toFixed(1)} %`]);

function profileSection(ps: ProfileResult[]): string[] {
  if (!ps.length) return [];
  return [
    '## Profile of the web process',
    '',
    ...ps.flatMap((p) => [
      `### ${p.endpoint} under --cpu-prof: ${f0(p.load.rps)} req/s, ${f0(p.summary.busyMs)} ms of CPU ` +
        (p.summary.windowed
          ? 'during the load'
          : 'over the whole process life (the load window was not found)'),
      '',
      ...table(['self time by origin', 'ms', 'share of busy'], timeRows(p.summary.origins.slice(0, 10))),
      '',
      ...table(['on the stack, by origin', 'ms', 'share'], timeRows(p.summary.originsOnStack.slice(0, 12))),
      '',
      ...table(['self time by function', 'ms', 'share'], timeRows(p.summary.functions.slice(0, 12))),
      '',
      ...table(['on the stack, our functions', 'ms', 'share'], timeRows(p.summary.oursOnStack.slice(0, 10))),
      '',
    ]),
  ];
}

function ablationSection(a: AblationResult): string[] {
  const cell = (p: { cpuMs: number; wallMs: number; trips: number }) =>
    `${p.cpuMs.toFixed(2)} / ${p.wallMs.toFixed(1)} / ${p.trips}`;
  return [
    '### Where the extra cost comes from',
    '',
    `Each piece alone, in the bench process, ${a.reps} operations per side one at a time after a warm-up, ` +
      'in 5 rounds alternating the two sides; medians of the rounds (CPU of the whole process, ' +
      'in-process HTTP client included on both sides).',
    '',
    ...table(
      ['piece', 'without: CPU ms / wall ms / round trips', 'with', 'CPU added per operation'],
      a.pairs.map((p) => [
        p.what,
        cell(p.without),
        cell(p.with),
        `**${(p.with.cpuMs - p.without.cpuMs).toFixed(2)} ms**`,
      ]),
    ),
    '',
  ];
}

function encryptionSection(e: EncryptionResult): string[] {
  const lines = ['## 6. Encryption at rest', ''];
  if (e.codec) {
    lines.push(
      'CPU the codec adds per request (AES-256-GCM in this process, as the model hooks run it; median of 5 rounds):',
      '',
      ...table(
        ['request', 'what is encrypted or decrypted', 'CPU per request'],
        e.codec.map((c) => [
          c.request,
          c.what,
          c.cpuUs < 1000 ? `${f1(c.cpuUs)} µs` : `${f1(c.cpuUs / 1000)} ms`,
        ]),
      ),
      '',
    );
  }
  if (e.read) {
    const { plain, encrypted, messages } = e.read;
    lines.push(
      `The /receive_all read of ${n(messages)} messages through the model (find, lean, decrypted by its transform), from messages stored encrypted against the same read of messages stored plain: ` +
        `${f1(encrypted.wallMs)} ms against ${f1(plain.wallMs)} ms (CPU ${f1(encrypted.cpuMs)} ms against ${f1(plain.cpuMs)} ms).`,
      '',
    );
  }
  if (e.rotation) {
    const r = e.rotation;
    const load = (l: number[]) => l.map(f1).join(', ');
    lines.push(
      `\`rotate-keys\` over ${n(r.messages)} messages (${n(r.values)} values, batches of ${r.batchSize}): ` +
        `**${f1(r.seconds)} s** (${f0(r.values / r.seconds)} values/s); the re-run that finds nothing left took ${f1(r.rerunSeconds)} s. ` +
        `Seeding them took ${f1(r.seedSeconds)} s. Load average ${load(r.loadBefore)} before, ${load(r.loadAfter)} after.`,
    );
  }
  return lines;
}

export function renderReport(r: BenchResults): string {
  const parts = [header(r.env)];
  if (r.api) parts.push(apiSection(r.api));
  parts.push(workerSection(r));
  if (r.coverage) {
    parts.push([
      '## 3. Index coverage',
      '',
      `\`npm run check:indexes\` with the shapes recorded by this run's processes: ${r.coverage.summary}` +
        (r.coverage.ok ? '.' : ' (FAILED)'),
      ...r.coverage.misses.map((m) => `- ${m}`),
    ]);
  }
  if (r.growth) parts.push(growthSection(r.growth));
  parts.push(memorySection(r), profileSection(r.profiles));
  if (r.ablation) parts.push(ablationSection(r.ablation));
  if (r.encryption) parts.push(encryptionSection(r.encryption));
  if (r.console) parts.push(consoleSection(r.console));
  if (r.wake) parts.push(wakeSection(r.wake));
  if (r.notes.length) parts.push(['## Notes', '', ...r.notes.map((x) => `- ${x}`)]);
  return `${parts
    .filter((p) => p.length)
    .map((p) => p.join('\n'))
    .join('\n\n')}\n`;
}

/** A growth row's large / small ratio. */
const growthRatio = (o: { ms: number[] }) => (o.ms[1] ?? 0) / (o.ms[0] || 1);

/** The figures the two backends are compared by, side by side. */
function comparisonSection(a: BenchResults, b: BenchResults): string[] {
  const lines = [
    `# Benchmark results: ${a.env.backend} beside ${b.env.backend}`,
    '',
    `One run of \`${a.env.command}\`: every phase on the first backend (${f0(a.env.seconds)} s), then on the second ` +
      `(${f0(b.env.seconds)} s); each one's whole report follows. Load average ${a.env.loadBefore.map(f1).join(', ')} at the ` +
      `start, ${b.env.loadAfter.map(f1).join(', ')} at the end.`,
  ];
  if (a.growth && b.growth) {
    const [small, large] = a.growth.sizes;
    lines.push(
      '',
      `Growth, ${n(small ?? 0)} then ${n(large ?? 0)} stored messages (median ms; large / small):`,
      '',
      ...table(
        ['operation', a.env.backend, '×', b.env.backend, '×'],
        a.growth.ops.map((o, i) => {
          const other = b.growth!.ops[i];
          return [
            o.name,
            o.ms.map((ms) => f1(ms)).join(' → '),
            `**${growthRatio(o).toFixed(2)}**`,
            other ? other.ms.map((ms) => f1(ms)).join(' → ') : '',
            other ? `${growthRatio(other).toFixed(2)}` : '',
          ];
        }),
      ),
    );
  }
  if (a.api && b.api) {
    lines.push(
      '',
      'API against the bare baseline (ours / baseline: requests per second, CPU per request):',
      '',
      ...table(
        ['endpoint', `${a.env.backend} req/s`, 'CPU', `${b.env.backend} req/s`, 'CPU'],
        a.api.rows.map((r) => {
          const other = b.api!.rows.find((x) => x.endpoint === r.endpoint);
          const rps = (x: ApiRow) => (x.load.ours.rps / (x.load.baseline.rps || 1)).toFixed(2);
          const cpu = (x: ApiRow) => (x.load.ours.cpuMs / (x.load.baseline.cpuMs || 1)).toFixed(2);
          return [
            r.endpoint,
            `**${rps(r)}**`,
            `**${cpu(r)}**`,
            other ? rps(other) : '',
            other ? cpu(other) : '',
          ];
        }),
      ),
    );
  }
  return lines;
}

/** Two runs' reports in one: the comparison first, then each whole, under its backend. */
export function renderComparison(a: BenchResults, b: BenchResults): string {
  const retitle = (text: string, title: string) => text.replace(/^# Benchmark results$/m, title);
  return [
    comparisonSection(a, b).join('\n'),
    retitle(renderReport(a), `# On ${a.env.backend}`),
    retitle(renderReport(b), `# On ${b.env.backend}, in the same run`),
  ].join('\n\n');
}
