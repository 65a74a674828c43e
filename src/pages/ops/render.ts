/**
 * The operator's console at /ops (README "Operating"), rendered on the server: plain
 * HTML forms, no script, one stylesheet from static/ (copied by `npm run build`). Every
 * action is a POST form carrying the session's CSRF token, answered by a redirect back
 * to the page, whose action log shows what it did.
 */
import path from 'node:path';
import type { Peaks } from '../../domain/opsFigures';
import type { ConsoleView } from '../../services/ops/console';
import type { FailureView } from '../../services/ops/failures';
import type { OpsSessionView } from '../../services/ops/sessions';
import type { QueueStatus } from '../../services/ops/status';
import { barChart } from './charts';
import { html, type Html } from './html';

/** The folder served at /ops/assets: the stylesheet. */
export const OPS_ASSETS_DIR = path.join(__dirname, 'static');

/** Its own stylesheet, forms to itself; no script at all. */
export const OPS_CSP = [
  "default-src 'none'",
  "style-src 'self'",
  "img-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const pad = (n: number) => String(n).padStart(2, '0');
/** `2026-12-31 23:00 UTC` */
export function utc(d: Date | undefined, seconds = false): string {
  if (!d) return '—';
  const t = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  return `${t}${seconds ? `:${pad(d.getUTCSeconds())}` : ''} UTC`;
}
const hourLabel = (d: Date) => `${utc(d)}`;
const dayLabel = (d: Date) => utc(d).slice(0, 10);

function duration(s: number): string {
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} days`;
}
/** A lag; `over`: beyond the histogram's last bound, which `v` then is. */
const ms = (v: number | undefined, over?: boolean) =>
  v === undefined ? '—' : `${over ? 'over ' : ''}${v < 1000 ? `${v} ms` : `${(v / 1000).toFixed(1)} s`}`;

function layout(title: string, body: Html): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="same-origin" />
        <title>${title}</title>
        <link rel="stylesheet" href="/ops/assets/ops.css" />
      </head>
      <body>
        ${body}
      </body>
    </html> `.text;
}

/** The sign-in form; `error` is shown as an alert (a wrong token, too many tries). */
export function signInPage(error?: string): string {
  return layout(
    'Pictever operations: sign in',
    html`<main class="narrow">
      <h1>Pictever operations</h1>
      <form method="post" action="/ops/sign-in" class="stack">
        <label for="token">Operator token</label>
        <input
          id="token"
          name="token"
          type="password"
          autocomplete="current-password"
          required
          maxlength="1024"
        />
        ${error ? html`<p role="alert" class="error">${error}</p>` : ''}
        <button type="submit">Sign in</button>
      </form>
    </main>`,
  );
}

const csrfField = (csrf: string) => html`<input type="hidden" name="csrf" value="${csrf}" />`;

/** A column: its heading, and the class of its cells (`num`: right-aligned, its heading too). */
interface Column {
  title: string;
  class?: 'num' | 'reason' | 'id';
}

type Cell = Html | string | number;

/** Every table of the console: a caption, headings, rows of cells; scrolls sideways on a phone. */
function dataTable(caption: string, columns: readonly Column[], rows: readonly (readonly Cell[])[]): Html {
  const cls = (c: Column | undefined) => (c?.class ? html` class="${c.class}"` : '');
  return html`<div class="scroll">
    <table>
      <caption>
        ${caption}
      </caption>
      <thead>
        <tr>
          ${columns.map((c) => html`<th scope="col" ${c.class === 'num' ? cls(c) : ''}>${c.title}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${rows.map(
          (row) =>
            html`<tr>
              ${row.map((cell, i) => html`<td${cls(columns[i])}>${cell}</td>`)}
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

function outcomesTable(rows: QueueStatus['outcomes']['hour'], caption: string): Html {
  if (rows.length === 0) return html`<p>${caption}: no pushes.</p>`;
  return dataTable(
    caption,
    [{ title: 'Outcome' }, { title: 'Provider' }, { title: 'Pushes', class: 'num' }],
    rows.map((r) => [r.outcome, r.provider || '—', r.count]),
  );
}

function queueSection(s: QueueStatus, csrf: string): Html {
  const d = s.delivery;
  return html`<section aria-labelledby="queue">
    <h2 id="queue">Queue</h2>
    <dl class="figures">
      <div>
        <dt>Pushes waiting now</dt>
        <dd data-figure="backlog">${s.backlog}</dd>
      </div>
      <div>
        <dt>Oldest due</dt>
        <dd data-figure="oldest">${s.backlog === 0 ? '—' : `${duration(s.oldest_due_s)} ago`}</dd>
      </div>
      <div>
        <dt>Lag p50 (last hour)</dt>
        <dd>${ms(s.lag_ms.p50, s.lag_ms.p50_over)}</dd>
      </div>
      <div>
        <dt>Lag p99 (last hour)</dt>
        <dd>${ms(s.lag_ms.p99, s.lag_ms.p99_over)}</dd>
      </div>
      <div>
        <dt>Delivery</dt>
        <dd data-figure="delivery">
          ${
            d.paused
              ? html`<strong class="error">paused</strong> <small>by ${d.by ?? '?'} at ${utc(d.at)}</small>`
              : 'running'
          }
        </dd>
      </div>
    </dl>
    <div class="row">
      <form method="post" action="/ops/pause">
        ${csrfField(csrf)}<button type="submit" ${d.paused ? ' disabled' : ''}>Pause delivery</button>
      </form>
      <form method="post" action="/ops/resume">
        ${csrfField(csrf)}<button type="submit" ${d.paused ? '' : ' disabled'}>Resume delivery</button>
      </form>
    </div>
    ${outcomesTable(s.outcomes.hour, 'Pushes in the last hour')}
    ${outcomesTable(s.outcomes.day, 'Pushes in the last day')}
  </section>`;
}

function peaksSection(p: Peaks): Html {
  const top = [...p.hours]
    .sort((a, b) => b.count - a.count)
    .filter((b) => b.count > 0)
    .slice(0, 5);
  return html`<section aria-labelledby="peaks">
    <h2 id="peaks">Coming peaks</h2>
    <p>${p.total} pushes due in the next 60 days.</p>
    <h3>Next 48 hours, per hour</h3>
    ${barChart(p.hours, hourLabel, 'Next 48 hours')}
    <h3>Next 60 days, per day</h3>
    ${barChart(p.days, dayLabel, 'Next 60 days')}
    ${
      top.length === 0
        ? ''
        : dataTable(
            'Busiest hours',
            [{ title: 'Hour' }, { title: 'Pushes due', class: 'num' }],
            top.map((b) => [hourLabel(b.start), b.count]),
          )
    }
  </section>`;
}

/** A failure's cells; its Requeue form keeps the reason filter, so the page comes back filtered. */
function failureCells(f: FailureView, csrf: string, reason: string | undefined): Cell[] {
  const canRequeue = f.outcome === 'failed' && f.kind === 'message' && !f.requeued;
  const action = f.requeued
    ? html`requeued by ${f.requeued.by}`
    : canRequeue
      ? html`<form method="post" action="/ops/requeue">
          ${csrfField(csrf)}<input type="hidden" name="id" value="${f.id}" />${
            reason ? html`<input type="hidden" name="reason" value="${reason}" />` : ''
          }<button type="submit" title="Requeue push ${f.id}">Requeue</button>
        </form>`
      : '';
  return [utc(f.at, true), f.outcome, f.reason, f.provider || '—', f.message_id ?? f.kind, action];
}

function failuresSection(v: ConsoleView, csrf: string): Html {
  const options = v.reasons.map(
    (r) =>
      html`<option value="${r.reason}" ${r.reason === v.reason ? ' selected' : ''}>
        ${r.reason} (${r.count})
      </option>`,
  );
  const reasonKnown = !v.reason || v.reasons.some((r) => r.reason === v.reason);
  return html`<section aria-labelledby="failures">
    <h2 id="failures">Failures</h2>
    <form method="get" action="/ops" class="row">
      <label for="reason">Reason</label>
      <select id="reason" name="reason">
        <option value="">All reasons</option>
        ${options}${reasonKnown ? '' : html`<option value="${v.reason}" selected>${v.reason}</option>`}
      </select>
      <button type="submit">Filter</button>
    </form>
    <form method="post" action="/ops/requeue-all" class="row">
      ${csrfField(csrf)}<input type="hidden" name="reason" value="${v.reason ?? ''}" />
      <button type="submit">Requeue all</button
      ><span class="hint">every failed message push${v.reason ? ' of this reason' : ''}</span>
    </form>
    ${
      v.failures.length === 0
        ? html`<p>No failed pushes${v.reason ? ' of this reason' : ''}.</p>`
        : dataTable(
            'Newest first',
            [
              { title: 'At' },
              { title: 'Outcome' },
              { title: 'Reason', class: 'reason' },
              { title: 'Provider' },
              { title: 'Message', class: 'id' },
              { title: '' },
            ],
            v.failures.map((f) => failureCells(f, csrf, v.reason)),
          )
    }
  </section>`;
}

function workersSection(s: QueueStatus): Html {
  return html`<section aria-labelledby="workers">
    <h2 id="workers">Workers</h2>
    ${
      s.workers.length === 0
        ? html`<p>No worker has reported in the last day.</p>`
        : dataTable(
            'Heartbeats',
            [
              { title: 'Worker' },
              { title: 'State' },
              { title: 'Last heartbeat' },
              { title: 'Started' },
              { title: 'In flight', class: 'num' },
              { title: 'Android pushes paced to', class: 'num' },
            ],
            s.workers.map((w) => [
              html`${w.dyno ? `${w.dyno} ` : ''}<span class="id">${w.worker}</span>`,
              w.alive ? (w.paused ? 'alive, paused' : 'alive') : html`<strong class="error">gone</strong>`,
              utc(w.last_beat, true),
              utc(w.started_at),
              w.in_flight,
              w.android_rate === undefined ? 'not paced' : `${w.android_rate}/s`,
            ]),
          )
    }
    ${
      s.jobs.length === 0
        ? ''
        : dataTable(
            'Periodic jobs',
            [{ title: 'Job' }, { title: 'Last run' }, { title: 'Result' }, { title: 'Next run' }],
            s.jobs.map((j) => [
              j.name,
              j.last ? utc(j.last.at, true) : '—',
              j.last
                ? html`${j.last.ok ? 'ok' : html`<strong class="error">failed</strong>`}: ${j.last.result}`
                : '—',
              utc(j.next_at, true),
            ]),
          )
    }
  </section>`;
}

function testPushSection(csrf: string): Html {
  return html`<section aria-labelledby="test-push">
    <h2 id="test-push">Test push</h2>
    <form method="post" action="/ops/test-push" class="stack">
      ${csrfField(csrf)}
      <label for="provider">Provider</label>
      <select id="provider" name="provider">
        <option value="fcm">FCM (Android)</option>
        <option value="apns">APNs (iOS)</option>
      </select>
      <label for="device-token">Device token</label>
      <input id="device-token" name="token" required maxlength="4096" autocomplete="off" />
      <button type="submit">Send a test push</button>
    </form>
  </section>`;
}

function actionsSection(v: ConsoleView, session: OpsSessionView): Html {
  const mine = v.actions.find((a) => a.by === session.name && a.action !== 'sign-in');
  return html`<section aria-labelledby="actions">
    <h2 id="actions">Actions</h2>
    ${mine ? html`<p role="status" class="${mine.ok ? 'done' : 'error'}">Last action: ${mine.action} ${mine.target}: ${mine.result}</p>` : ''}
    ${
      v.actions.length === 0
        ? html`<p>No action yet.</p>`
        : dataTable(
            'Newest first',
            [{ title: 'At' }, { title: 'By' }, { title: 'Action' }, { title: 'Target' }, { title: 'Result' }],
            v.actions.map((a) => [
              utc(a.at, true),
              a.by,
              a.action,
              a.target,
              html`${a.ok ? '' : html`<strong class="error">failed</strong> `}${a.result}`,
            ]),
          )
    }
  </section>`;
}

export function consolePage(v: ConsoleView, session: OpsSessionView, csrf: string): string {
  return layout(
    'Pictever operations',
    html`<header class="row spread">
        <h1>Pictever operations</h1>
        <form method="post" action="/ops/sign-out" class="row">
          <span class="hint">${session.name}, until ${utc(session.expires_at)}</span>${csrfField(csrf)}<button
            type="submit"
          >
            Sign out
          </button>
        </form>
      </header>
      <main>
        <p class="hint">
          As of ${utc(v.status.at, true)}.
          <a href="/ops${v.reason ? `?reason=${encodeURIComponent(v.reason)}` : ''}">Refresh</a>
        </p>
        ${actionsSection(v, session)} ${queueSection(v.status, csrf)} ${peaksSection(v.peaks)}
        ${failuresSection(v, csrf)} ${workersSection(v.status)} ${testPushSection(csrf)}
      </main>`,
  );
}
