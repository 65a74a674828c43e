/** Stands in for a provider that is not configured: logs what would be sent (never the token). */
import type { Logger } from '../logger';
import type { Platform, PushContent, PushResult, PushSender, PushTarget } from './types';

export class LogSender implements PushSender {
  readonly name: string;

  constructor(
    platform: Platform,
    private readonly logger: Logger,
  ) {
    this.name = `log-${platform}`;
  }

  send(target: PushTarget, content: PushContent): Promise<PushResult> {
    this.logger.info(
      { platform: target.platform, kind: content.kind },
      'push not sent (provider not configured)',
    );
    return Promise.resolve({ outcome: 'sent', providerId: this.name });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
