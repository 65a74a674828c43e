/**
 * `admin pause` and `admin resume`: the console's Pause delivery and Resume delivery
 * (setDeliveryPaused), for every worker. Workers read the switch before each claim, so a
 * pause holds from their next scan; nothing queued is touched, the backlog waits.
 */
import { setDeliveryPaused, type DeliverySwitch } from '../../../src/services/ops/pause';
import { opsCommand, positionals } from './command';
import { utc } from './format';

export function formatSwitch(s: DeliverySwitch): string {
  return s.paused
    ? `delivery paused by ${s.by ?? '?'} at ${utc(s.at)}: workers claim nothing until resume`
    : `delivery resumed by ${s.by ?? '?'} at ${utc(s.at)}`;
}

function switchCommand(paused: boolean) {
  return opsCommand({
    syntax: `${paused ? 'pause' : 'resume'} [--json]`,
    summary: paused
      ? 'pause delivery for every worker (the backlog waits, nothing is lost)'
      : 'resume delivery for every worker',
    parse: (args) => positionals(args),
    run: async (ctx, _args, by) => {
      const s = await setDeliveryPaused(paused, by, ctx.now());
      return { text: formatSwitch(s), json: s, ok: true };
    },
  });
}

export const pauseCommand = switchCommand(true);
export const resumeCommand = switchCommand(false);
