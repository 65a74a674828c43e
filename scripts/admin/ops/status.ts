/**
 * `admin status [--json]`: the console's Queue and Workers sections (queueStatus, the
 * same object the page shows): the due backlog and its oldest age, lag over the last
 * hour, pushes by outcome and provider, the pause switch, workers and periodic jobs.
 */
import type { OutcomeCount } from '../../../src/domain/opsFigures';
import type { DeliverySwitch } from '../../../src/services/ops/pause';
import { queueStatus, type QueueStatus } from '../../../src/services/ops/status';
import { opsCommand, positionals } from './command';
import { duration, ms, table, utc } from './format';

function outcomes(title: string, rows: OutcomeCount[]): string[] {
  if (rows.length === 0) return [`${title}: no pushes`];
  return [`${title}:`, ...table(rows.map((r) => [r.outcome, r.provider || '-', String(r.count)]))];
}

function workers(s: QueueStatus): string[] {
  if (s.workers.length === 0) return ['Workers: none has reported in the last day'];
  const rows = s.workers.map((w) => [
    w.dyno ? `${w.dyno} ${w.worker}` : w.worker,
    w.alive ? (w.paused ? 'alive, paused' : 'alive') : 'GONE',
    `last beat ${utc(w.last_beat)} (${duration((s.at.getTime() - w.last_beat.getTime()) / 1000)} ago)`,
    `started ${utc(w.started_at)}`,
    `${w.in_flight} in flight`,
  ]);
  return ['Workers:', ...table(rows)];
}

function jobs(s: QueueStatus): string[] {
  if (s.jobs.length === 0) return [];
  const rows = s.jobs.map((j) => [
    j.name,
    j.last ? `last ${utc(j.last.at)} ${j.last.ok ? 'ok' : 'FAILED'}: ${j.last.result}` : 'not run yet',
    `next ${utc(j.next_at)}`,
  ]);
  return ['Periodic jobs:', ...table(rows)];
}

/** Running, and who resumed it last if anyone ever paused it. */
const running = (d: DeliverySwitch) => (d.by ? `running (resumed by ${d.by} at ${utc(d.at)})` : 'running');

export function formatStatus(s: QueueStatus): string {
  const d = s.delivery;
  const lines = [
    `Queue at ${utc(s.at)}:`,
    ...table([
      ['pushes waiting now', String(s.backlog)],
      ['oldest due', s.backlog === 0 ? '-' : `${duration(s.oldest_due_s)} ago`],
      [
        'lag p50 / p99',
        `${ms(s.lag_ms.p50, s.lag_ms.p50_over)} / ${ms(s.lag_ms.p99, s.lag_ms.p99_over)} (last hour, ${s.lag_ms.sent} sent)`,
      ],
      ['delivery', d.paused ? `PAUSED by ${d.by ?? '?'} at ${utc(d.at)}` : running(d)],
    ]),
    ...outcomes('Pushes in the last hour', s.outcomes.hour),
    ...outcomes('Pushes in the last day', s.outcomes.day),
    ...workers(s),
    ...jobs(s),
  ];
  return lines.join('\n');
}

export const statusCommand = opsCommand({
  syntax: 'status [--json]',
  summary: 'backlog, lag, pushes by outcome, pause switch, workers, periodic jobs',
  parse: (args) => positionals(args),
  run: async (ctx) => {
    const status = await queueStatus(ctx.now());
    return { text: formatStatus(status), json: status, ok: true };
  },
});
