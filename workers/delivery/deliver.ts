/**
 * Stage 4, send, and the path of one claimed push through it: decide what to send from
 * the job and the receiver's device (loaded for its batch), check the lease still covers
 * the send, call the provider, and hand the final answer to the recorder (a temporary
 * error reschedules the job instead). One log line per delivery; counters in
 * DeliveryMetrics. Database writes here are the rare paths: a retry, a dead token.
 */
import { User } from '../../src/models/user';
import type { Types } from 'mongoose';
import type { Logger } from '../../src/logger';
import { retryDelayMs, type BackoffSettings } from '../../src/push/backoff';
import {
  platformOf,
  type PushContent,
  type PushResult,
  type PushSender,
  type PushTarget,
} from '../../src/push';
import { rescheduleJob } from './claims';
import { HOLD_MS, type AndroidPacer } from './pacing';
import { legacyLabel, type Device } from './load';
import type { DeliveryMetrics, Outcome } from './metrics';
import type { OutcomeRecorder } from './recorder';
import type { Claim, OutcomeRecord } from './types';

export interface DeliverySettings {
  sendTimeoutMs: number;
  /** Lease time kept in reserve beyond the send timeout (clock differences between hosts). */
  leaseMarginMs: number;
  maxAttempts: number;
  backoff: BackoffSettings;
}

export interface DeliveryDeps {
  sender: PushSender;
  logger: Logger;
  metrics: DeliveryMetrics;
  recorder: OutcomeRecorder;
  workerId: string;
  settings: DeliverySettings;
  now: () => number;
  random: () => number;
  /** True once the worker stops claiming: unsent claims are released, not sent. */
  stopping: () => boolean;
  /** Called with each provider call's duration (sizes the send slots). */
  observeSend: (ms: number) => void;
  /** Gives an unsent claim back (the loop batches these). */
  release: (claim: Claim) => Promise<void>;
  /** Paces Android pushes to the web processes' logins (pacing.ts); none: no pacing. */
  pacer?: Pick<AndroidPacer, 'slotFor'>;
}

type Plan =
  | { action: 'drop'; reason: string }
  | { action: 'no_token' }
  | { action: 'send'; target: PushTarget; content: PushContent };

/** "", "(null)" and missing are no token (../shared/CONTRACT.md §4). */
export function usableToken(regId: string | null | undefined): string | undefined {
  const t = (regId ?? '').trim();
  return t === '' || t === '(null)' ? undefined : t;
}

/** What this job should do now, from the job and the receiver's current device. */
async function planFor(claim: Claim, device: Device | null | undefined): Promise<Plan> {
  const { job } = claim;
  let content: PushContent;
  if (job.kind === 'message') {
    let label = job.label;
    if (label === undefined || label === null) {
      const legacy = await legacyLabel(job.message_id, job.due_at);
      if ('drop' in legacy) return { action: 'drop', reason: legacy.drop };
      label = legacy.label;
    }
    content = { kind: 'message', label, messageId: job.message_id!.toHexString() };
  } else {
    content = { kind: job.kind, text: job.text ?? '' };
  }
  const token = usableToken(device?.reg_id);
  if (!device || !token) return { action: 'no_token' };
  return { action: 'send', target: { platform: platformOf(device.os), token }, content };
}

const providerOf = (target: PushTarget) => (target.platform === 'ios' ? 'apns' : 'fcm');

function logDelivery(deps: DeliveryDeps, claim: Claim, outcome: Outcome, extra: Partial<OutcomeRecord> = {}) {
  const { job } = claim;
  deps.metrics.count(outcome, extra.provider ?? '');
  deps.logger.info(
    {
      message_id: job.message_id?.toString(),
      job_id: job._id.toString(),
      kind: job.kind,
      worker: deps.workerId,
      outcome,
      lag_ms: deps.now() - job.due_at.getTime(),
      attempt: (job.attempt ?? 0) + 1,
      provider: extra.provider,
      provider_id: extra.provider_id,
      reason: extra.reason,
    },
    'push delivery',
  );
  return outcome;
}

/** Hands the outcome to the recorder and logs it. */
function finish(claim: Claim, record: OutcomeRecord, deps: DeliveryDeps): Outcome {
  const { job } = claim;
  deps.recorder.record(job._id, {
    _id: job._id.toHexString(),
    kind: job.kind,
    message_id: job.message_id ?? undefined,
    user_id: job.user_id,
    ...record,
    due_at: job.due_at,
    at: new Date(deps.now()),
    worker: deps.workerId,
  });
  return logDelivery(deps, claim, record.outcome, record);
}

/**
 * Credentials that do not match the apps fail every push alike: one error line per
 * process and code says what to fix; the metric counts every push it failed.
 */
function noteConfigError(
  deps: DeliveryDeps,
  provider: 'fcm' | 'apns',
  result: Extract<PushResult, { outcome: 'config_error' }>,
): void {
  if (!deps.metrics.configError(provider, result.code)) return;
  deps.logger.error(
    { provider, code: result.code, reason: result.reason },
    provider === 'fcm'
      ? 'FCM refuses our credentials: FCM_CREDENTIALS must be a service account of the Firebase project of sender 952675823733, which issued the Android tokens; pushes fail until it is fixed'
      : 'APNs refuses our credentials: APNS_KEY, APNS_KEY_ID and APNS_TEAM_ID must be of the team that published the iOS app and APNS_TOPIC its bundle id; pushes fail until it is fixed',
  );
}

/** How a provider's final answer is recorded. */
export function finalRecord(result: PushResult, attempts: number, provider: 'fcm' | 'apns'): OutcomeRecord {
  switch (result.outcome) {
    case 'sent':
      return { outcome: 'sent', provider, provider_id: result.providerId, attempts };
    case 'dead_token':
      return { outcome: 'dead_token', provider, reason: result.reason, attempts };
    case 'temporary':
      return {
        outcome: 'failed',
        provider,
        reason: `gave up after ${attempts} attempts: ${result.reason}`,
        attempts,
      };
    case 'config_error':
      return { outcome: 'failed', provider, reason: `configuration error: ${result.reason}`, attempts };
    default:
      return { outcome: 'failed', provider, reason: result.reason, attempts };
  }
}

async function clearDeadToken(userId: Types.ObjectId, token: string): Promise<void> {
  await User.updateOne({ _id: userId, 'device.reg_id': token }, { $set: { 'device.reg_id': '' } });
}

/** Sends, then records the answer or reschedules the job. */
async function sendAndRecord(
  claim: Claim,
  plan: Extract<Plan, { action: 'send' }>,
  deps: DeliveryDeps,
): Promise<Outcome> {
  const { job } = claim;
  const provider = providerOf(plan.target);
  const sentAt = deps.now();
  claim.sending = true;
  const result = await deps.sender.send(plan.target, plan.content);
  const answeredAt = deps.now();
  deps.observeSend(answeredAt - sentAt);
  deps.metrics.observeProviderLatency(provider, answeredAt - sentAt);
  if (result.outcome === 'sent') deps.metrics.observeLag(answeredAt - job.due_at.getTime());
  const attempts = (job.attempt ?? 0) + 1;
  const { maxAttempts, backoff } = deps.settings;
  if (result.outcome === 'temporary' && attempts < maxAttempts) {
    const delay = retryDelayMs(attempts, backoff, deps.random, result.retryAfterMs);
    await rescheduleJob(claim, attempts, answeredAt + delay);
    return logDelivery(deps, claim, 'retry', { reason: result.reason, provider });
  }
  if (result.outcome === 'config_error') noteConfigError(deps, provider, result);
  // Before the record: the next job of this receiver in the queue is then not sent to it.
  if (result.outcome === 'dead_token') {
    await clearDeadToken(job.user_id, plan.target.token).catch((err: unknown) => {
      deps.logger.warn({ err, job_id: job._id.toString() }, 'clearing a dead token failed');
    });
  }
  return finish(claim, finalRecord(result, attempts, provider), deps);
}

/**
 * Takes a claimed job to its outcome. Throws only on database errors before sending
 * (the loop gives the claim back) or while rescheduling (the lease then expires).
 */
export async function deliver(
  claim: Claim,
  device: Device | null | undefined,
  deps: DeliveryDeps,
): Promise<Outcome> {
  if (claim.settled) {
    deps.recorder.remove(claim.job._id);
    return logDelivery(deps, claim, 'dropped', { reason: "settled by an earlier owner's outcome" });
  }
  const plan = await planFor(claim, device);
  const attempts = claim.job.attempt ?? 0;
  if (plan.action === 'drop')
    return finish(claim, { outcome: 'dropped', reason: plan.reason, attempts }, deps);
  if (plan.action === 'no_token') return finish(claim, { outcome: 'no_token', attempts }, deps);
  // Only lease takeovers exhaust attempts before a send (a worker died holding it each time).
  if (attempts >= deps.settings.maxAttempts) {
    const reason = `gave up after ${attempts} attempts: lease taken over`;
    return finish(claim, { outcome: 'failed', reason, attempts }, deps);
  }
  if (plan.target.platform === 'android' && deps.pacer) {
    const slot = await deps.pacer.slotFor(claim.job._id.toHexString());
    const waitMs = slot - deps.now();
    // Held only while the lease still covers the send after the wait (see below).
    const { sendTimeoutMs, leaseMarginMs } = deps.settings;
    const holdMs = Math.min(HOLD_MS, claim.leaseUntil - deps.now() - sendTimeoutMs - leaseMarginMs - 100);
    if (waitMs > holdMs) {
      // Back to the queue until just before its slot (the same one then): no attempt spent.
      await rescheduleJob(claim, attempts, slot - HOLD_MS / 2);
      return logDelivery(deps, claim, 'paced', { reason: `paced: slot in ${Math.round(waitMs)} ms` });
    }
    if (waitMs > 0) {
      deps.metrics.count('paced', '');
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  }
  const { sendTimeoutMs, leaseMarginMs } = deps.settings;
  // The lease must outlast the send (timeout plus a clock margin): then no other worker
  // can have taken the job over before the provider answers.
  const reason = deps.stopping()
    ? 'stopping'
    : deps.now() + sendTimeoutMs + leaseMarginMs >= claim.leaseUntil
      ? 'expiring'
      : undefined;
  if (reason) {
    await deps.release(claim);
    return logDelivery(deps, claim, 'released', { reason });
  }
  return sendAndRecord(claim, plan, deps);
}
