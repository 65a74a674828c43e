/**
 * The declared indexes for each server, and the plan that brings a database to them
 * (src/db/indexSpecs.ts), from the real models' declarations.
 */
import mongoose from 'mongoose';
import { loadConfig } from '../../src/config';
import { modelIndexes } from '../../src/db/indexes';
import {
  declaredIndexes,
  describeIndex,
  planIndexes,
  ttlIndexNames,
  type ExistingIndex,
  type IndexSpec,
} from '../../src/db/indexSpecs';
import { expiresAfter } from '../../src/models/expiry';
import '../../src/models';
import { allSweeps, plannedSweeps } from '../../workers/periodic/cleanup';

const config = loadConfig({ NODE_ENV: 'test' });
const models = modelIndexes(mongoose.connection);
const mongo = declaredIndexes(models, { ttl: true }, config);
const embedded = declaredIndexes(models, { ttl: false }, config);
const find = (specs: IndexSpec[], collection: string, field: string) =>
  specs.find((s) => s.collection === collection && Object.keys(s.key).join() === field);

describe('declaredIndexes', () => {
  it('when the server keeps TTL indexes then each expiring collection gets one, with its delay', () => {
    expect(
      mongo
        .filter((s) => s.expireAfterSeconds !== undefined)
        .map(describeIndex)
        .sort(),
    ).toEqual([
      'job_runs {created_at: 1} TTL 604800 s',
      'ops_actions {at: 1} TTL 31536000 s',
      'ops_sessions {expires_at: 1} TTL 0 s',
      'push_claims {lease_until: 1} TTL 3600 s',
      'push_outcomes {at: 1} TTL 7776000 s',
      'push_requeues {at: 1} TTL 7776000 s',
      'rate_hits {until: 1} TTL 0 s',
      'reset_attempts {at: 1} TTL 3600 s',
      'reset_codes {expires_at: 1} TTL 0 s',
      'send_dedup {expires_at: 1} TTL 0 s',
      'sessions {expires: 1} TTL 0 s',
      'web_states {at: 1} TTL 3600 s',
      'worker_beats {at: 1} TTL 93600 s',
      'worker_states {at: 1} TTL 93600 s',
    ]);
  });

  it('when a setting decides a delay then the declared TTL follows it', () => {
    const shorter = loadConfig({
      NODE_ENV: 'test',
      PUSH_OUTCOME_RETENTION_DAYS: '30',
      RESET_CODE_TTL_MINUTES: '15',
    });
    const specs = declaredIndexes(models, { ttl: true }, shorter);
    expect(find(specs, 'push_outcomes', 'at')?.expireAfterSeconds).toBe(30 * 86_400);
    expect(find(specs, 'reset_attempts', 'at')?.expireAfterSeconds).toBe(15 * 60);
  });

  it('when the server is the embedded database then no index carries a TTL, and TTL-only ones are left out', () => {
    expect(embedded.filter((s) => s.expireAfterSeconds !== undefined)).toEqual([]);
    // The sweeps' indexes stay, plain.
    expect(find(embedded, 'sessions', 'expires')).toEqual({ collection: 'sessions', key: { expires: 1 } });
    expect(find(embedded, 'push_outcomes', 'at')).toBeDefined();
    expect(find(embedded, 'job_runs', 'created_at')).toBeUndefined();
    expect(find(embedded, 'send_dedup', 'expires_at')).toBeUndefined();
    expect(mongo.length - embedded.length).toBe(2);
  });

  it('when an index is unique then the spec says so on both servers', () => {
    expect(find(mongo, 'users', 'email')).toEqual({ collection: 'users', key: { email: 1 }, unique: true });
    expect(find(embedded, 'users', 'email')).toEqual({
      collection: 'users',
      key: { email: 1 },
      unique: true,
    });
  });

  it('when a model declares an option the embedded database lacks then the declaration is refused', () => {
    const sparse = [
      { collection: 'x', indexes: [[{ a: 1 }, { sparse: true }]] as [Record<string, unknown>, object][] },
    ];
    expect(() => declaredIndexes(sparse, { ttl: true }, config)).toThrow(/x \{a: 1\}: index option sparse/);
    const nativeTtl = [
      {
        collection: 'x',
        indexes: [[{ a: 1 }, { expireAfterSeconds: 5 }]] as [Record<string, unknown>, object][],
      },
    ];
    expect(() => declaredIndexes(nativeTtl, { ttl: true }, config)).toThrow(
      /declare expiry with expiresAfter/,
    );
    const text = [{ collection: 'x', indexes: [[{ a: 'text' }, {}]] as [Record<string, unknown>, object][] }];
    expect(() => declaredIndexes(text, { ttl: true }, config)).toThrow(/only ascending and descending keys/);
  });

  it('when two models on one collection declare one index two ways then it is refused', () => {
    const twice = [
      { collection: 'x', indexes: [[{ a: 1 }, {}]] as [Record<string, unknown>, object][] },
      { collection: 'x', indexes: [[{ a: 1 }, expiresAfter(60)]] as [Record<string, unknown>, object][] },
    ];
    expect(() => declaredIndexes(twice, { ttl: true }, config)).toThrow(/x \{a: 1\} is declared twice/);
    expect(declaredIndexes(twice, { ttl: false }, config)).toEqual([{ collection: 'x', key: { a: 1 } }]);
  });
});

describe('sweeps and TTL indexes', () => {
  it('when a sweep names a TTL index then MongoDB gets that index, and every TTL index but one has its sweep', () => {
    const ttl = ttlIndexNames(mongo);
    const named = allSweeps(config).flatMap((s) => (s.ttl ? [s.ttl] : []));
    for (const name of named) expect(ttl).toContain(name);
    // send_dedup's sweep is the sender's next send (src/services/messages/send.ts).
    expect([...ttl].filter((n) => !named.includes(n))).toEqual(['send_dedup.expires_at']);
  });

  it('when the server is a MongoDB then only the sweeps no TTL index can do run; on the embedded database all do', () => {
    const onMongo = plannedSweeps(config, ttlIndexNames(mongo));
    expect(onMongo.run.map((s) => s.name).sort()).toEqual(['quotas', 'rate_hits_without_until']);
    expect(onMongo.skipped.map((s) => s.name).sort()).toEqual([
      'job_runs',
      'ops_actions',
      'ops_sessions',
      'push_claims',
      'push_outcomes',
      'push_requeues',
      'rate_hits',
      'reset_attempts',
      'reset_codes',
      'sessions',
      'web_states',
      'worker_beats',
      'worker_states',
    ]);
    const onEmbedded = plannedSweeps(config, ttlIndexNames(embedded));
    expect(onEmbedded.skipped).toEqual([]);
    expect(onEmbedded.run).toHaveLength(15);
  });
});

const idx = (
  name: string,
  key: Record<string, unknown>,
  options: Partial<ExistingIndex> = {},
): ExistingIndex => ({
  v: 2,
  name,
  key,
  ...options,
});

describe('planIndexes', () => {
  const declared: IndexSpec[] = [
    { collection: 'users', key: { email: 1 }, unique: true },
    { collection: 'users', key: { created_at: 1 } },
    { collection: 'sessions', key: { expires: 1 }, expireAfterSeconds: 0 },
    { collection: 'push_outcomes', key: { message_id: 1, at: -1 } },
  ];
  const ours = ['users', 'sessions', 'push_outcomes', 'phone_history'];

  it('when the database matches then nothing is planned, whatever the names', () => {
    const existing = new Map([
      [
        'users',
        [
          idx('_id_', { _id: 1 }),
          idx('email_1', { email: 1 }, { unique: true }),
          idx('by_signup', { created_at: 1 }),
        ],
      ],
      ['sessions', [idx('_id_', { _id: 1 }), idx('expires_1', { expires: 1 }, { expireAfterSeconds: 0 })]],
      ['push_outcomes', [idx('message_id_1_at_-1', { message_id: 1, at: -1 })]],
    ]);
    expect(planIndexes(declared, existing, ours)).toEqual({ missing: [], differing: [], stale: [] });
  });

  it('when indexes are absent, or their collection is, then they are missing', () => {
    const existing = new Map([
      ['users', [idx('_id_', { _id: 1 }), idx('email_1', { email: 1 }, { unique: true })]],
    ]);
    const plan = planIndexes(declared, existing, ours);
    expect(plan.missing.map(describeIndex)).toEqual([
      'users {created_at: 1}',
      'sessions {expires: 1} TTL 0 s',
      'push_outcomes {message_id: 1, at: -1}',
    ]);
    expect(plan.differing).toEqual([]);
  });

  it('when an index has the key in another order or direction then it is stale and the declared one missing', () => {
    const existing = new Map([
      [
        'push_outcomes',
        [idx('at_-1_message_id_1', { at: -1, message_id: 1 }), idx('m', { message_id: 1, at: 1 })],
      ],
    ]);
    const plan = planIndexes(declared, existing, ours);
    expect(plan.missing.map(describeIndex)).toContain('push_outcomes {message_id: 1, at: -1}');
    expect(plan.stale.map((s) => s.existing.name)).toEqual(['at_-1_message_id_1', 'm']);
  });

  it('when a TTL delay, the TTL itself or uniqueness differs then the index is to be replaced', () => {
    const existing = new Map([
      [
        'users',
        [idx('email_1', { email: 1 }), idx('created_at_1', { created_at: 1 }, { expireAfterSeconds: 60 })],
      ],
      ['sessions', [idx('expires_1', { expires: 1 }, { expireAfterSeconds: 3600 })]],
      ['push_outcomes', [idx('message_id_1_at_-1', { message_id: 1, at: -1 }, { sparse: true })]],
    ]);
    const plan = planIndexes(declared, existing, ours);
    expect(plan.differing.map((d) => `${describeIndex(d.spec)} <- ${d.existing.name}`)).toEqual([
      'users {email: 1} unique <- email_1',
      'users {created_at: 1} <- created_at_1',
      'sessions {expires: 1} TTL 0 s <- expires_1',
      'push_outcomes {message_id: 1, at: -1} <- message_id_1_at_-1',
    ]);
    expect(plan.missing).toEqual([]);
    expect(plan.stale).toEqual([]);
  });

  it('when a plain index stands where a TTL one is declared then it is replaced (a MongoDB indexed by an older release)', () => {
    const existing = new Map([['sessions', [idx('expires_1', { expires: 1 })]]]);
    expect(planIndexes(declared, existing, ours).differing).toHaveLength(1);
  });

  it('when indexes are declared by no model then those on our collections are stale, never _id_, others left alone', () => {
    const existing = new Map([
      [
        'users',
        [idx('_id_', { _id: 1 }), idx('email_1', { email: 1 }, { unique: true }), idx('old_1', { old: 1 })],
      ],
      ['phone_history', [idx('_id_', { _id: 1 }), idx('user_id_1', { user_id: 1 })]],
      ['quota_hits', [idx('_id_', { _id: 1 }), idx('user_id_1_day_1', { user_id: 1, day: 1 })]],
    ]);
    const plan = planIndexes(declared, existing, ours);
    expect(plan.stale.map((s) => `${s.collection}.${s.existing.name}`)).toEqual([
      'users.old_1',
      'phone_history.user_id_1',
    ]);
  });
});
