/** The wake phase's part of the report (report.ts). */
import { f1, n, table } from './markdown';
import type { Quantiles } from '../test/helpers/wakePhones';
import type { WakeResult } from './wake';

const ms = (q: Quantiles | undefined, k: keyof Quantiles) => (q ? `${n(Math.round(q[k]))} ms` : 'n/a');
const load = (l: number[]) => l.map(f1).join(', ');

/** "503: 12, no answer: ECONNRESET: 1", or "none". */
const byStatus = (m: Record<string, number>) =>
  Object.entries(m)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k}: ${n(v)}`)
    .join(', ') || 'none';

/** "7,012 (7.0 per login)". */
function commandsCell(w: WakeResult, key: string): string {
  const c = w.commands[key];
  return c ? `${n(c.commands)} (${f1(c.commands / Math.max(1, c.requests))} per request)` : 'none';
}

export function wakeSection(w: WakeResult): string[] {
  const f = w.fleet;
  const end = w.finished
    ? `every message pushed and every woken phone done ${f1(w.endedAfterDueMs / 1000)} s after the due second`
    : `stopped waiting ${f1(w.endedAfterDueMs / 1000)} s after the due second (window ${w.spec.windowS} s)`;
  return [
    '## 8. Wake-up wave',
    '',
    `${n(w.spec.phones)} closed Android phones (app 1.1: no cookie, 401, one login, the GET again; blind after a ` +
      'refused login), their messages all due in one second, stored ' +
      `${f1(w.seededAheadMs / 1000)} s ahead; a cold web process (production, BCRYPT_COST ${w.bcryptCost}) and one ` +
      `worker; each push the fake FCM accepts wakes its phone. The phase ${end}. Due-to-screen: the first answer ` +
      'showing a message minus its delivery time. Database commands: counted in the web process by ' +
      'test/helpers/requestCommandsPreload.cjs (preloaded), for every request of each path, refused ones included.',
    '',
    ...table(
      ['', ''],
      [
        ['messages shown', `**${n(f.shown)} of ${n(w.spec.phones)}** (not shown: ${n(w.notShown)})`],
        ['duplicates on the timelines', n(f.duplicates)],
        [
          'due-to-screen p50 / p99 / max',
          `${ms(f.dueToScreen, 'p50')} / ${ms(f.dueToScreen, 'p99')} / ${ms(f.dueToScreen, 'max')}`,
        ],
        ['logins', n(f.logins)],
        ['database commands of the logins', commandsCell(w, 'POST /login')],
        ['logins refused, by status', `**${byStatus(f.refused)}**`],
        ['logins unanswered at the end', n(f.loginsUnanswered)],
        [
          'login time p50 / p99 / max',
          `${ms(f.loginMs, 'p50')} / ${ms(f.loginMs, 'p99')} / ${ms(f.loginMs, 'max')}`,
        ],
        ['phones pushed / woken / pushes', `${n(w.pushed)} / ${n(f.woken)} / ${n(f.pushes)}`],
        ['phones blind, pushes they ignored', `${n(f.blind)}, ${n(f.ignoredPushes)}`],
        [
          'load average (1, 5, 15 min) at the due second / at the end',
          `${load(w.loadAtDue)} / ${load(w.loadAtEnd)}`,
        ],
      ],
    ),
    '',
    `Answers by request: ${byStatus(f.answers)}.`,
    '',
    `Database commands by request: ${Object.keys(w.commands)
      .sort()
      .map((k) => `${k} ${commandsCell(w, k)}`)
      .join(', ')}.`,
  ];
}
