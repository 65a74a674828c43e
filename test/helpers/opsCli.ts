/**
 * The admin command line as an operator runs it (`npm run admin -- …`: tsx, a process of
 * its own on the test database), and the documents the console's commands read, written
 * with the models: failed pushes, queued pushes and worker heartbeats.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { Types } from 'mongoose';
import { HOUR_MS } from '../../src/domain/time';
import type { PushOutcomeKind } from '../../src/models/pushOutcome';
import { testDataKeys } from './dataKeys';

export interface AdminRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `admin <args>` against the database at `uri`, with `env` over a development setup. */
export function runAdmin(uri: string, args: string[], env: Record<string, string> = {}): Promise<AdminRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'scripts/admin.ts', ...args],
      {
        cwd: path.resolve(__dirname, '../..'),
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          MONGODB_URI: uri,
          DATA_KEYS: testDataKeys(), // the keys the test's data is encrypted with
          NODE_ENV: 'development',
          ...env,
        },
        timeout: 60_000,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** A push_outcomes document of a message push that failed an hour after it was due. */
export function failedPush(
  o: Partial<{ reason: string; outcome: PushOutcomeKind; at: Date; message_id: Types.ObjectId }> = {},
) {
  return {
    _id: new Types.ObjectId().toHexString(),
    kind: 'message' as const,
    message_id: o.message_id ?? new Types.ObjectId(),
    user_id: new Types.ObjectId(),
    outcome: o.outcome ?? 'failed',
    reason: o.reason ?? 'gave up after 10 attempts: HTTP 503',
    provider: 'fcm',
    attempts: 10,
    due_at: new Date(Date.now() - HOUR_MS),
    at: o.at ?? new Date(),
    worker: 'w1',
  };
}

/** A push_jobs or push_schedule document of a message push due at `due_at`. */
export const queuedPush = (due_at: Date) => ({
  kind: 'message',
  user_id: new Types.ObjectId(),
  message_id: new Types.ObjectId(),
  due_at,
});

/** A worker_beats document of `worker`, `agoMs` old, beating every 30 s (its state: workerState). */
export function workerBeat(worker: string, agoMs: number, extra: Record<string, unknown> = {}) {
  const at = new Date(Date.now() - agoMs);
  return {
    _id: `${worker}:${Math.floor(at.getTime() / 30_000)}`,
    worker,
    at,
    started_at: new Date(Date.now() - 2 * HOUR_MS),
    interval_s: 30,
    ...extra,
  };
}

/** The worker_states document of `worker` as its beat `agoMs` ago wrote it (its jobs, figures). */
export function workerState(worker: string, agoMs: number, extra: Record<string, unknown> = {}) {
  const { _id: _beat, ...beat } = workerBeat(worker, agoMs, extra);
  return { _id: worker, ...beat };
}
