/**
 * Everything the operator's console shows, read at once (README "Operating"); `admin
 * status`, `peaks` and `failures` print parts of the same objects.
 */
import type { Peaks } from '../../domain/opsFigures';
import { recentActions, type ActionEntry } from './actions';
import { failureReasons, listFailures, type FailureView } from './failures';
import { comingPeaks } from './peaks';
import { queueStatus, type QueueStatus } from './status';

export interface ConsoleView {
  status: QueueStatus;
  peaks: Peaks;
  failures: FailureView[];
  reasons: { reason: string; count: number }[];
  reason?: string;
  actions: ActionEntry[];
}

export async function consoleView(now: Date, reason?: string): Promise<ConsoleView> {
  const [status, peaks, failures, reasons, actions] = await Promise.all([
    queueStatus(now),
    comingPeaks(now),
    listFailures({ reason }),
    failureReasons(),
    recentActions(),
  ]);
  return { status, peaks, failures, reasons, reason, actions };
}
