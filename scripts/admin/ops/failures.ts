/**
 * `admin failures [--reason R] [--limit N] [--json]`: the console's Failures list
 * (listFailures): failed and dead-token pushes, newest first, each with the push id that
 * `admin requeue` takes and who requeued it if someone did.
 */
import { FAILURES_SHOWN, listFailures, type FailureView } from '../../../src/services/ops/failures';
import { opsCommand, positionals } from './command';
import { checked, limitArg, reasonArg } from './fields';
import { table, utc } from './format';

/** One row a failure; the reason last, as it is the longest. */
export function formatFailures(failures: FailureView[], reason?: string): string {
  if (failures.length === 0) return `No failed pushes${reason ? ` of the reason "${reason}"` : ''}.`;
  const rows = failures.map((f) => [
    f.id,
    utc(f.at),
    f.outcome,
    f.provider || '-',
    f.message_id ?? f.kind,
    f.requeued ? `requeued by ${f.requeued.by}` : '-',
    f.reason,
  ]);
  return table([['push id', 'at', 'outcome', 'provider', 'message', 'requeued', 'reason'], ...rows]).join(
    '\n',
  );
}

export const failuresCommand = opsCommand({
  syntax: 'failures [--reason R] [--limit N] [--json]',
  summary: `failed and dead-token pushes, newest first (${FAILURES_SHOWN} unless --limit)`,
  options: { reason: { type: 'string' }, limit: { type: 'string' } },
  parse: (args) => {
    positionals(args);
    const { reason, limit } = args.values;
    return {
      reason: reason === undefined ? undefined : checked(reasonArg, reason, '--reason'),
      limit: limit === undefined ? FAILURES_SHOWN : checked(limitArg, limit, '--limit'),
    };
  },
  run: async (_ctx, args) => {
    const failures = await listFailures(args);
    return { text: formatFailures(failures, args.reason), json: failures, ok: true };
  },
});
