/**
 * `admin test-push <fcm|apns> <token> [--json]`: the console's "Send a test push"
 * (sendTestPush), through the providers the worker would use with this environment's
 * settings: prints the provider's answer, exit 1 unless the push was accepted. The token
 * is printed and recorded as its fingerprint only.
 */
import { createPushSender } from '../../../src/push';
import { sendTestPush, testPushInput, TEST_PUSH_PROVIDERS } from '../../../src/services/ops/testPush';
import { opsCommand, positionals, UsageError } from './command';

export const testPushCommand = opsCommand({
  syntax: `test-push <${TEST_PUSH_PROVIDERS.join('|')}> <token> [--json]`,
  summary: 'one push to a device through the configured provider, to check its credentials',
  parse: (args) => {
    const [provider, token] = positionals(args, 'the provider', 'the device token');
    const parsed = testPushInput.safeParse({ provider, token });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new UsageError(`${String(issue?.path[0] ?? 'argument')}: ${issue?.message ?? 'invalid'}`);
    }
    return parsed.data;
  },
  run: async (ctx, input, by) => {
    const sender = createPushSender(ctx.config, ctx.logger);
    try {
      const answer = await sendTestPush(sender, input, by, ctx.now);
      return { text: `${answer.provider} ${answer.token}: ${answer.answer}`, json: answer, ok: answer.ok };
    } finally {
      await sender.close();
    }
  },
});
