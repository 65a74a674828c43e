/**
 * Sweeps of the console's expiring records for the worker's cleanup job (on MongoDB
 * their TTL indexes do it, and these are skipped): heartbeats and worker states after a day and a bit,
 * operator sessions at their end, actions after OPERATOR_ACTION_RETENTION_DAYS, requeue
 * markers with the outcomes they name. Each deletes by a date range over its index.
 */
import type { Config } from '../../config';
import { DAY_MS } from '../../domain/time';
import type { Sweep } from '../../models/expiry';
import { OpsAction } from '../../models/opsAction';
import { OpsSession } from '../../models/opsSession';
import { PushRequeue } from '../../models/pushRequeue';
import { BEAT_RETENTION_S, WorkerBeat, WorkerState } from '../../models/workerBeat';
import { WEB_STATE_RETENTION_S, WebState } from '../../models/webState';

const ago = (now: Date, ms: number) => new Date(now.getTime() - ms);

export function opsSweeps(config: Config): Sweep[] {
  return [
    {
      name: 'worker_beats',
      ttl: 'worker_beats.at',
      run: async (now) =>
        (await WorkerBeat.deleteMany({ at: { $lt: ago(now, BEAT_RETENTION_S * 1000) } })).deletedCount,
    },
    {
      name: 'worker_states',
      ttl: 'worker_states.at',
      run: async (now) =>
        (await WorkerState.deleteMany({ at: { $lt: ago(now, BEAT_RETENTION_S * 1000) } })).deletedCount,
    },
    {
      name: 'web_states',
      ttl: 'web_states.at',
      run: async (now) =>
        (await WebState.deleteMany({ at: { $lt: ago(now, WEB_STATE_RETENTION_S * 1000) } })).deletedCount,
    },
    {
      name: 'ops_sessions',
      ttl: 'ops_sessions.expires_at',
      run: async (now) => (await OpsSession.deleteMany({ expires_at: { $lt: now } })).deletedCount,
    },
    {
      name: 'ops_actions',
      ttl: 'ops_actions.at',
      run: async (now) =>
        (
          await OpsAction.deleteMany({
            at: { $lt: ago(now, config.OPERATOR_ACTION_RETENTION_DAYS * DAY_MS) },
          })
        ).deletedCount,
    },
    {
      name: 'push_requeues',
      ttl: 'push_requeues.at',
      run: async (now) =>
        (await PushRequeue.deleteMany({ at: { $lt: ago(now, config.PUSH_OUTCOME_RETENTION_DAYS * DAY_MS) } }))
          .deletedCount,
    },
  ];
}
