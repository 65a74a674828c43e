/**
 * `admin requeue <id> | --reason R | --all [--json]`: the console's Requeue and Requeue
 * all (src/services/ops/requeue.ts). The id is a failed push's (as `admin failures` lists
 * it) or else a message's, whose failed pushes are all requeued. --reason R takes every
 * failed push of that reason, --all of any reason, with a line on stderr per page past
 * the first. Each failure is requeued once however often it is asked.
 */
import {
  REQUEUE_PAGE,
  requeueById,
  requeueByReason,
  type RequeueAllResult,
  type RequeueByIdResult,
  type RequeueResult,
} from '../../../src/services/ops/requeue';
import { opsCommand, UsageError, type Answer } from './command';
import { checked, idArg, reasonArg } from './fields';

type RequeueArgs = { id: string } | { reason: string | undefined };

const line = (r: RequeueResult) => `push ${r.id}: ${r.state}${r.job_id ? `, job ${r.job_id}` : ''}`;

export function formatById(result: RequeueByIdResult): string {
  if ('push_id' in result) return result.results.map(line).join('\n');
  const n = result.results.length;
  return [`message ${result.message_id}: ${n} failed push${n === 1 ? '' : 'es'}`, ...result.results.map(line)]
    .map((l, i) => (i === 0 ? l : `  ${l}`))
    .join('\n');
}

export function formatByReason(result: RequeueAllResult): string {
  const which = result.reason === undefined ? 'of every reason' : `of the reason "${result.reason}"`;
  if (result.found === 0) return `no failed push ${which} to requeue`;
  const states = Object.entries(result.counts)
    .filter(([, n]) => n > 0)
    .map(([state, n]) => `${n} ${state}`);
  return `${result.found} failed pushes ${which}: ${states.join(', ')}`;
}

/** Done unless nothing could be requeued (dead-token or text pushes only). */
const anyRequeueable = (results: RequeueResult[]) => results.some((r) => r.state !== 'not requeueable');

export const requeueCommand = opsCommand<RequeueArgs>({
  syntax: 'requeue <id> | --reason R | --all [--json]',
  summary: 'requeue failed pushes by push or message id, by reason, or all (each once)',
  options: { reason: { type: 'string' }, all: { type: 'boolean' } },
  parse: ({ values, positionals }) => {
    const given = positionals.length + Number(values.reason !== undefined) + Number(values.all === true);
    if (given !== 1) throw new UsageError('give one push or message id, or --reason R, or --all');
    if (values.all) return { reason: undefined };
    if (typeof values.reason === 'string') return { reason: checked(reasonArg, values.reason, '--reason') };
    return { id: checked(idArg, positionals[0], 'the id') };
  },
  run: async (ctx, args, by): Promise<Answer> => {
    if ('id' in args) {
      const result = await requeueById(args.id, by, ctx.now());
      return { text: formatById(result), json: result, ok: anyRequeueable(result.results) };
    }
    const progress = (done: number) => {
      if (done >= REQUEUE_PAGE) process.stderr.write(`requeue: ${done} failed pushes done\n`);
    };
    const result = await requeueByReason(args.reason, by, ctx.now(), progress);
    return { text: formatByReason(result), json: result, ok: true };
  },
});
