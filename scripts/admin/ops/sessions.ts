/**
 * `admin revoke-sessions <email|id> [--json]`: ends every app session of one account
 * (revokeUserSessions), e.g. of a lost phone; its phones must log in again.
 */
import { revokeUserSessions } from '../../../src/services/ops/sessions';
import { opsCommand, positionals } from './command';
import { accountArg, checked } from './fields';

export const revokeSessionsCommand = opsCommand({
  syntax: 'revoke-sessions <email|id> [--json]',
  summary: 'end every app session of an account (its phones log in again)',
  parse: (args) => checked(accountArg, positionals(args, 'the email or user id')[0], 'the account'),
  run: async (ctx, ref, by) => {
    const result = await revokeUserSessions(ref, by, ctx.now());
    const n = result.ended;
    return {
      text: `ended ${n} session${n === 1 ? '' : 's'} of user ${result.user_id}`,
      json: result,
      ok: true,
    };
  },
});
