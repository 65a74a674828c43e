/**
 * Delivers one claimed push job: decide what to send (or drop), check the lease is still
 * ours right before sending, send through the PushSender, and record the outcome before
 * the job is removed. One log line per delivery; counters in DeliveryMetrics.
 */
import { Message } from '../../src/models/message';
import { User } from '../../src/models/user';
import type { Logger } from '../../src/logger';
import { retryDelayMs, type BackoffSettings } from '../../src/push/backoff';
import {
  platformOf,
  type PushContent,
  type PushResult,
  type PushSender,
  type PushTarget,
} from '../../src/push';
import {
  insertReceipt,
  releaseClaim,
  rescheduleJob,
  stillOurs,
  type Claim,
  type JobRecord,
  type Receipt,
} from './claims';
import type { DeliveryMetrics, Outcome } from './metrics';
import { clearDeadToken, isDone, persist, recordMessage, usableToken } from './outcome';

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
  workerId: string;
  settings: DeliverySettings;
  now: () => number;
  random: () => number;
  /** True once the worker stops claiming: unsent claims are released, not sent. */
  stopping: () => boolean;
  /** Aborted when the process must exit now: database writes stop being retried. */
  hardStop: AbortSignal;
  /** Removes a job whose outcome is recorded (message jobs may be removed in batches). */
  finish: (claim: Claim) => Promise<void>;
}

type Plan =
  | { action: 'drop'; reason: string }
  | { action: 'no_token' }
  | { action: 'send'; target: PushTarget; content: PushContent };

/** What this job should do now, from the message and the receiver's current device. */
async function planFor(job: JobRecord): Promise<Plan> {
  // Both reads at once: on the embedded database each scans its collection.
  const [m, user] = await Promise.all([
    job.kind === 'message'
      ? Message.findById(job.message_id)
          .select({ state: 1, blocked: 1, delivery_time: 1, receive_label: 1, push: 1 })
          .lean()
      : undefined,
    User.findById(job.user_id).select({ device: 1 }).lean(),
  ]);
  let content: PushContent;
  if (job.kind === 'message') {
    if (!m) return { action: 'drop', reason: 'message deleted' };
    if (m.blocked) return { action: 'drop', reason: 'message blocked' };
    if (isDone(m)) return { action: 'drop', reason: `message already ${m.state}` };
    if (m.delivery_time.getTime() !== job.due_at.getTime())
      return { action: 'drop', reason: 'message resent' };
    content = { kind: 'message', label: m.receive_label, messageId: m._id.toString() };
  } else {
    content = { kind: job.kind, text: job.text ?? '' };
  }
  const token = usableToken(user?.device?.reg_id);
  if (!user?.device || !token) return { action: 'no_token' };
  return { action: 'send', target: { platform: platformOf(user.device.os), token }, content };
}

function logDelivery(
  deps: DeliveryDeps,
  claim: Claim,
  outcome: Outcome,
  extra: { reason?: string; providerId?: string } = {},
): void {
  const { job } = claim;
  deps.metrics.count(outcome);
  deps.logger.info(
    {
      message_id: job.message_id?.toString(),
      job_id: job._id.toString(),
      kind: job.kind,
      worker: deps.workerId,
      outcome,
      lag_ms: deps.now() - job.due_at.getTime(),
      attempt: (job.attempt ?? 0) + 1,
      provider_id: extra.providerId,
      reason: extra.reason,
    },
    'push delivery',
  );
}

function logAndReturn(deps: DeliveryDeps, claim: Claim, outcome: Outcome, reason?: string): Outcome {
  logDelivery(deps, claim, outcome, { reason });
  return outcome;
}

/**
 * Credentials that do not match the apps fail every push alike: one error line per
 * process and code says what to fix; the metric counts every push it failed.
 */
function noteConfigError(
  deps: DeliveryDeps,
  target: PushTarget,
  result: Extract<PushResult, { outcome: 'config_error' }>,
): void {
  const provider = target.platform === 'ios' ? 'apns' : 'fcm';
  if (!deps.metrics.configError(provider, result.code)) return;
  deps.logger.error(
    { provider, code: result.code, reason: result.reason },
    provider === 'fcm'
      ? 'FCM refuses our credentials: FCM_CREDENTIALS must be a service account of the Firebase project of sender 952675823733, which issued the Android tokens; pushes fail until it is fixed'
      : 'APNs refuses our credentials: APNS_KEY, APNS_KEY_ID and APNS_TEAM_ID must be of the team that published the iOS app and APNS_TOPIC its bundle id; pushes fail until it is fixed',
  );
}

/** How a provider's answer ends the job, unless it is retried. */
function finalRecord(result: PushResult, attempts: number, at: Date): Receipt {
  switch (result.outcome) {
    case 'sent':
      return { state: 'delivered', push: { outcome: 'sent', at, provider_id: result.providerId, attempts } };
    case 'dead_token':
      return { state: 'delivered', push: { outcome: 'dead_token', at, reason: result.reason, attempts } };
    case 'temporary':
      return {
        state: 'failed',
        push: {
          outcome: 'failed',
          at,
          reason: `gave up after ${attempts} attempts: ${result.reason}`,
          attempts,
        },
      };
    case 'config_error':
      return {
        state: 'failed',
        push: { outcome: 'failed', at, reason: `configuration error: ${result.reason}`, attempts },
      };
    default:
      return { state: 'failed', push: { outcome: 'failed', at, reason: result.reason, attempts } };
  }
}

/**
 * Records the provider's answer: a retry reschedules the job; a final answer is first
 * written as a receipt (one insert, so a takeover does not push again however slow the
 * rest is), then on the message, then the job is removed.
 */
async function applyResult(
  claim: Claim,
  target: PushTarget,
  result: PushResult,
  deps: DeliveryDeps,
): Promise<Outcome> {
  const { job } = claim;
  const at = new Date(deps.now());
  const attempts = (job.attempt ?? 0) + 1;
  const { maxAttempts, backoff } = deps.settings;
  if (result.outcome === 'temporary' && attempts < maxAttempts) {
    const delay = retryDelayMs(attempts, backoff, deps.random, result.retryAfterMs);
    await persist('push retry', () => rescheduleJob(claim, attempts, at.getTime() + delay), deps);
    return logAndReturn(deps, claim, 'retry', result.reason);
  }
  if (result.outcome === 'config_error') noteConfigError(deps, target, result);
  const receipt = finalRecord(result, attempts, at);
  await persist('push receipt', () => insertReceipt(claim, receipt, deps.workerId, at.getTime()), deps);
  await persist(
    'push outcome',
    async () => {
      if (result.outcome === 'dead_token') await clearDeadToken(job.user_id, target.token);
      await recordMessage(job, receipt.state, receipt.push);
      await deps.finish(claim);
    },
    deps,
  );
  const { outcome, reason, provider_id: providerId } = receipt.push;
  logDelivery(deps, claim, outcome, { reason, providerId });
  return outcome;
}

/**
 * A takeover found the receipt of an earlier owner: record what it says (unless the
 * message moved on, e.g. was resent) and remove the job, without pushing again.
 */
async function settleFromReceipt(claim: Claim, receipt: Receipt, deps: DeliveryDeps): Promise<Outcome> {
  await recordMessage(claim.job, receipt.state, receipt.push, { onlyIfPending: true });
  await deps.finish(claim);
  return logAndReturn(
    deps,
    claim,
    'dropped',
    `settled by an earlier owner's receipt (${receipt.push.outcome})`,
  );
}

/** Drops the job, or delivers its message without a push. */
async function settleUnsent(
  claim: Claim,
  plan: Exclude<Plan, { action: 'send' }>,
  deps: DeliveryDeps,
): Promise<Outcome> {
  if (plan.action === 'no_token') {
    await recordMessage(claim.job, 'delivered', { outcome: 'no_token', at: new Date(deps.now()) });
  }
  await deps.finish(claim);
  return logAndReturn(
    deps,
    claim,
    plan.action === 'drop' ? 'dropped' : 'no_token',
    plan.action === 'drop' ? plan.reason : undefined,
  );
}

/** Only lease takeovers exhaust attempts before a send (a worker died holding it each time). */
async function giveUp(claim: Claim, deps: DeliveryDeps): Promise<Outcome> {
  const attempts = claim.job.attempt ?? 0;
  const reason = `gave up after ${attempts} attempts: lease taken over`;
  await recordMessage(claim.job, 'failed', { outcome: 'failed', at: new Date(deps.now()), reason, attempts });
  await deps.finish(claim);
  return logAndReturn(deps, claim, 'failed', reason);
}

/** Sends, then records the answer (retrying the write until it lands). */
async function sendAndRecord(
  claim: Claim,
  plan: Extract<Plan, { action: 'send' }>,
  deps: DeliveryDeps,
): Promise<Outcome> {
  const { job } = claim;
  const sentAt = deps.now();
  claim.sending = true;
  const result = await deps.sender.send(plan.target, plan.content);
  const answeredAt = deps.now();
  if (result.outcome === 'sent') deps.metrics.observeLag(answeredAt - job.due_at.getTime());
  const outcome = await applyResult(claim, plan.target, result, deps);
  if (deps.now() > claim.leaseUntil) {
    // Another worker may have taken the job over and pushed again: the lease is too short
    // for this database's write latency (WORKER_LEASE_MS).
    deps.logger.warn(
      {
        job_id: job._id.toString(),
        worker: deps.workerId,
        send_ms: answeredAt - sentAt,
        record_ms: deps.now() - answeredAt,
        lease_left_at_send_ms: claim.leaseUntil - sentAt,
      },
      'outcome recorded after the lease ended',
    );
  }
  return outcome;
}

/** Takes a claimed job to its outcome. Throws only on database errors before sending. */
export async function deliver(claim: Claim, deps: DeliveryDeps): Promise<Outcome> {
  if (claim.receipt) return settleFromReceipt(claim, claim.receipt, deps);
  const plan = await planFor(claim.job);
  if (plan.action !== 'send') return settleUnsent(claim, plan, deps);
  if ((claim.job.attempt ?? 0) >= deps.settings.maxAttempts) return giveUp(claim, deps);
  const { sendTimeoutMs, leaseMarginMs } = deps.settings;
  const lease = deps.stopping()
    ? 'stopping'
    : await stillOurs(claim, sendTimeoutMs, leaseMarginMs, deps.now());
  if (lease === 'taken') return logAndReturn(deps, claim, 'lost_lease', 'another worker took the lease over');
  if (lease !== 'ours') {
    await releaseClaim(claim);
    return logAndReturn(deps, claim, 'released', lease);
  }
  return sendAndRecord(claim, plan, deps);
}
