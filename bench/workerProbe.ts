/**
 * A worker process seen from outside, as an operator sees it: its /metrics (behind
 * OPERATOR_TOKEN) for the database commands it started and the pushes it recorded as
 * sent, and /proc for its peak memory. Each scrape keeps the last figures, so a worker
 * killed later is still known by what it said last (the bench never scrapes a dead one).
 */
import { peakRssMb, type WorkerProc } from './procs';

/** The worker's operator token in the bench (production wants 32 characters at least). */
export const BENCH_OPERATOR_TOKEN = 'bench-operator-token-0123456789abcdef';

const COMMANDS = 'pictever_worker_db_commands_total';
const DELIVERIES = 'pictever_worker_deliveries_total';
/** The due gauge's count, which every scrape makes the worker send (workers/metrics.ts). */
export const SCRAPE_COMMAND = 'aggregate push_jobs';

export interface Figures {
  /** Commands started so far, by "command collection". */
  commands: Map<string, number>;
  sent: number;
  takeovers: number;
  /** Scrapes of this worker before this one (each makes it send one SCRAPE_COMMAND). */
  scrapesBefore: number;
}

const SAMPLE = /^(\w+)(?:\{([^}]*)\})? (\S+)$/;

function labelsOf(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of (text ?? '').matchAll(/(\w+)="([^"]*)"/g)) out[m[1]!] = m[2]!;
  return out;
}

/** The figures the bench reads from one Prometheus text. */
export function parseFigures(text: string, scrapesBefore: number): Figures {
  const f: Figures = { commands: new Map(), sent: 0, takeovers: 0, scrapesBefore };
  for (const line of text.split('\n')) {
    const m = SAMPLE.exec(line);
    if (!m) continue;
    const [, name, labelText, raw] = m;
    const value = Number(raw);
    const labels = labelsOf(labelText);
    if (name === COMMANDS) {
      f.commands.set(`${labels.command} ${labels.collection}`.trim(), value);
    } else if (name === DELIVERIES && labels.outcome === 'sent') {
      f.sent += value; // one series per provider and platform
    } else if (name === 'pictever_worker_lease_takeovers_total') {
      f.takeovers = value;
    }
  }
  return f;
}

export class WorkerProbe {
  /** The figures at the start of the measured span (see mark()). */
  start?: Figures;
  last?: Figures;
  peakRssMb?: number;
  /** Scrapes that got no answer (the report says so: the figures are then older). */
  failures = 0;
  private scrapes = 0;

  constructor(readonly proc: WorkerProc) {}

  /** Scrapes once; on failure (the worker is gone) keeps what it had. */
  async scrape(): Promise<Figures | undefined> {
    this.peakRssMb = peakRssMb(this.proc.pid) ?? this.peakRssMb;
    if (this.proc.metricsPort === undefined) throw new Error('worker started without WORKER_METRICS_PORT');
    try {
      const res = await fetch(`http://127.0.0.1:${this.proc.metricsPort}/metrics`, {
        headers: { authorization: `Bearer ${BENCH_OPERATOR_TOKEN}` },
        signal: AbortSignal.timeout(5_000),
      });
      if (!res.ok) throw new Error(`metrics answered ${res.status}`);
      this.last = parseFigures(await res.text(), this.scrapes);
    } catch {
      // too busy to answer in time: the last figures stand
      this.failures += 1;
    }
    this.scrapes += 1;
    return this.last;
  }

  /** Starts the measured span here. */
  async mark(): Promise<void> {
    this.start = await this.scrape();
  }
}

export interface SpanTotals {
  commands: Map<string, number>;
  sent: number;
  takeovers: number;
}

/**
 * Commands, sent pushes and takeovers over the measured span, summed over workers (each
 * worker's two ends come from its own scrapes, so a worker killed mid-run adds what it had
 * said by its last scrape). The bench's own scrapes are taken out of SCRAPE_COMMAND: n
 * scrapes apart, the span holds n of their counts whether a scrape's own count lands in
 * its figures or in the next one's.
 */
export function spanTotals(probes: WorkerProbe[]): SpanTotals {
  const totals: SpanTotals = { commands: new Map(), sent: 0, takeovers: 0 };
  for (const p of probes) {
    if (!p.start || !p.last) continue;
    totals.sent += p.last.sent - p.start.sent;
    totals.takeovers += p.last.takeovers - p.start.takeovers;
    const scrapes = p.last.scrapesBefore - p.start.scrapesBefore;
    for (const [key, n] of p.last.commands) {
      let delta = n - (p.start.commands.get(key) ?? 0);
      if (key === SCRAPE_COMMAND) delta = Math.max(0, delta - scrapes);
      if (delta > 0) totals.commands.set(key, (totals.commands.get(key) ?? 0) + delta);
    }
  }
  return totals;
}
