/**
 * Picks the push providers from the configuration: FCM for Android (and any device whose
 * os is not iOS), APNs for iOS, each replaced by a logging sender when not configured,
 * with one warning line at start.
 */
import type { Config } from '../config';
import type { Logger } from '../logger';
import { ApnsSender, apnsHost } from './apns';
import { FcmSender } from './fcm';
import { parseServiceAccount } from './fcmAuth';
import { LogSender } from './log';
import type { Platform, PushContent, PushResult, PushSender, PushTarget, PushTtl } from './types';

export interface PushOptions {
  /** Extra CAs trusted for FCM and APNs: tests only (NODE_EXTRA_CA_CERTS does it for processes). */
  ca?: string[];
}

/** `os` as the apps sent it: "ios" in any case is iOS; anything else is FCM. */
export function platformOf(os: string | null | undefined): Platform {
  return (os ?? '').trim().toLowerCase() === 'ios' ? 'ios' : 'android';
}

function pushTtl(config: Config): PushTtl {
  return { messageS: config.PUSH_MESSAGE_TTL_S, textS: config.PUSH_TEXT_TTL_S };
}

function androidSender(config: Config, logger: Logger, options: PushOptions): PushSender {
  if (!config.FCM_CREDENTIALS) {
    if (config.NODE_ENV !== 'test')
      logger.warn('FCM_CREDENTIALS is not set: Android pushes are logged, not sent');
    return new LogSender('android', logger);
  }
  const account = parseServiceAccount(config.FCM_CREDENTIALS);
  return new FcmSender(account, {
    apiUrl: config.FCM_API_URL,
    timeoutMs: config.WORKER_SEND_TIMEOUT_MS,
    ttl: pushTtl(config),
    ca: options.ca,
  });
}

function iosSender(config: Config, logger: Logger, options: PushOptions): PushSender {
  if (!config.APNS_KEY) {
    if (config.NODE_ENV !== 'test') logger.warn('APNS_KEY is not set: iOS pushes are logged, not sent');
    return new LogSender('ios', logger);
  }
  const { APNS_KEY_ID: keyId, APNS_TEAM_ID: teamId, APNS_TOPIC: topic } = config;
  if (!keyId || !teamId || !topic) {
    throw new Error('APNS_KEY is set: APNS_KEY_ID, APNS_TEAM_ID and APNS_TOPIC must be set too');
  }
  return new ApnsSender({
    key: config.APNS_KEY,
    keyId,
    teamId,
    topic,
    host: apnsHost(config.APNS_ENV, config.APNS_HOST),
    port: config.APNS_PORT ?? 443,
    timeoutMs: config.WORKER_SEND_TIMEOUT_MS,
    ttl: pushTtl(config),
    ca: options.ca,
  });
}

/** One sender that routes each push to its platform's provider. */
export function createPushSender(config: Config, logger: Logger, options: PushOptions = {}): PushSender {
  const senders: Record<Platform, PushSender> = {
    android: androidSender(config, logger, options),
    ios: iosSender(config, logger, options),
  };
  return {
    name: `${senders.android.name}+${senders.ios.name}`,
    send: (target: PushTarget, content: PushContent): Promise<PushResult> =>
      senders[target.platform].send(target, content),
    close: async () => {
      await Promise.all([senders.android.close(), senders.ios.close()]);
    },
  };
}

export type { Platform, PushContent, PushResult, PushSender, PushTarget, PushTtl };
