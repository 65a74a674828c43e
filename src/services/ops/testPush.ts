/**
 * "Send a test push" (README "Operating"): one push through the configured provider to
 * a device token an operator gives, to check credentials without waiting for a real
 * push. The provider's classified answer is returned and recorded; the token itself is
 * never logged nor stored (its fingerprint is).
 */
import { z } from 'zod';
import { tokenFingerprint } from '../../domain/opsFigures';
import type { PushResult, PushSender } from '../../push';
import { recordAction, type Actor } from './actions';

export const TEST_PUSH_PROVIDERS = ['fcm', 'apns'] as const;
export type TestPushProvider = (typeof TEST_PUSH_PROVIDERS)[number];

/** Device tokens are about 64 (APNs) to 200 (FCM) characters; nothing longer is one. */
export const MAX_TOKEN_LENGTH = 4096;

export const testPushInput = z.object({
  provider: z.enum(TEST_PUSH_PROVIDERS),
  token: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(MAX_TOKEN_LENGTH)
    .regex(/^[\x21-\x7e]+$/, 'printable characters without spaces'),
});
export type TestPushInput = z.infer<typeof testPushInput>;

export const TEST_PUSH_TEXT = 'Pictever: test push from the operators';

/** The provider's answer as one line (no token in it). */
export function describeAnswer(result: PushResult): string {
  switch (result.outcome) {
    case 'sent':
      return `sent: accepted, id ${result.providerId}`;
    case 'config_error':
      return `config_error ${result.code}: ${result.reason}`;
    default:
      return `${result.outcome}: ${result.reason}`;
  }
}

export interface TestPushAnswer {
  provider: TestPushProvider;
  token: string;
  ok: boolean;
  answer: string;
  result: PushResult;
}

/** The provider behind one platform of the worker's sender (`fcm+apns`, `log-android+apns`…). */
function providerName(sender: PushSender, provider: TestPushProvider): string {
  return sender.name.split('+')[provider === 'apns' ? 1 : 0] ?? sender.name;
}

export async function sendTestPush(
  sender: PushSender,
  input: TestPushInput,
  by: Actor,
  now: () => Date,
): Promise<TestPushAnswer> {
  const fingerprint = tokenFingerprint(input.token);
  const name = providerName(sender, input.provider);
  let result: PushResult;
  let answer: string;
  if (name.startsWith('log-')) {
    const setting = input.provider === 'fcm' ? 'FCM_CREDENTIALS' : 'APNS_KEY';
    result = { outcome: 'permanent', reason: `${setting} is not set` };
    answer = `not configured: ${setting} is not set, nothing was sent`;
  } else {
    result = await sender.send(
      { platform: input.provider === 'apns' ? 'ios' : 'android', token: input.token },
      { kind: 'teaser', text: TEST_PUSH_TEXT },
    );
    answer = describeAnswer(result);
  }
  const ok = result.outcome === 'sent';
  await recordAction({
    at: now(),
    by,
    action: 'test-push',
    target: `${input.provider} ${fingerprint}`,
    result: answer,
    ok,
  });
  return { provider: input.provider, token: fingerprint, ok, answer, result };
}
