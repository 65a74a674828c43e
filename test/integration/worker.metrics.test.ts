/**
 * The worker's metrics port (WORKER_METRICS_PORT): a real worker process serving
 * Prometheus text and readiness behind the operator token, its counters (by outcome,
 * provider and platform), lag and provider latency histograms and database command counts
 * moving with a delivery; and, in process, the due backlog gauge, the histograms' units,
 * the command counter's labels and the 404 when no token is configured.
 */
import { MongoClient } from 'mongodb';
import mongoose, { Types } from 'mongoose';
import { Registry } from 'prom-client';
import request from 'supertest';
import { PushJob } from '../../src/models';
import { metricsApp } from '../../workers/metricsServer';
import { countDatabaseCommands, createWorkerMetrics } from '../../workers/metrics';
import { captureLogger } from '../helpers/app';
import { useTestDatabase } from '../helpers/db';
import { checkExposition, sumOf, valueOf } from '../helpers/exposition';
import { COMMANDS, commandsWith, sample, startedWorkerWithMetrics } from '../helpers/workerMetrics';
import { startFakeFcm, type FakeFcm } from '../helpers/fakeFcm';
import { eventually, makeReceiver, queueMessage } from '../helpers/workerFixtures';
import type { WorkerHandle } from '../helpers/workerProcess';

jest.setTimeout(60_000);

const TOKEN = 'worker-operator-token';
const DELIVERIES = 'pictever_worker_deliveries_total';
const LATENCY = 'pictever_worker_provider_latency_seconds';
const ANDROID = { provider: 'fcm', platform: 'android' };
const db = useTestDatabase();
let fcm: FakeFcm;
let worker: WorkerHandle;
let base = '';

const scrape = (path: string, token?: string) =>
  fetch(`${base}${path}`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });

beforeAll(async () => {
  fcm = await startFakeFcm();
  ({ worker, base } = await startedWorkerWithMetrics(db.uri(), fcm, TOKEN));
});

afterAll(async () => {
  await worker?.stop();
  await fcm?.close();
});

describe('the worker metrics port, a real worker process', () => {
  it('when the bearer token is missing or wrong then /metrics and /readyz answer 401', async () => {
    for (const res of [
      await scrape('/metrics'),
      await scrape('/metrics', `${TOKEN}x`),
      await scrape('/readyz'),
    ]) {
      expect(res.status).toBe(401);
      expect(await res.text()).toBe('operator token required');
    }
    expect((await scrape('/nothing', TOKEN)).status).toBe(404);
  });

  it('when the token is right then /readyz answers ready and /metrics starts at zero', async () => {
    const ready = await scrape('/readyz', TOKEN);
    expect([ready.status, await ready.text()]).toEqual([200, 'ready']);
    const res = await scrape('/metrics', TOKEN);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const samples = checkExposition(text);
    // Each provider's series exist from the start, at 0.
    expect(valueOf(samples, DELIVERIES, { outcome: 'sent', ...ANDROID })).toBe(0);
    expect(valueOf(samples, DELIVERIES, { outcome: 'sent', provider: 'apns', platform: 'ios' })).toBe(0);
    expect(valueOf(samples, DELIVERIES, { outcome: 'no_token', provider: '', platform: '' })).toBe(0);
    expect(sumOf(samples, DELIVERIES)).toBe(0);
    expect(valueOf(samples, `${LATENCY}_count`, ANDROID)).toBe(0);
    expect(sample(text, 'pictever_worker_push_lag_seconds_count')).toBe(0);
    for (const name of [
      'lease_takeovers_total',
      'claim_conflicts_total',
      'loop_errors_total',
      'pushes_in_flight',
    ]) {
      expect(sample(text, `pictever_worker_${name}`)).toBe(0);
    }
    expect(sample(text, 'pictever_worker_due_pushes')).toBe(0);
    expect(text).toContain('# TYPE pictever_worker_deliveries_total counter');
    expect(text).toContain('# TYPE pictever_worker_push_lag_seconds histogram');
    expect(text).toContain(`# TYPE ${LATENCY} histogram`);
    expect(text).toContain('process_resident_memory_bytes');
    expect(text).not.toContain('dyno='); // DYNO unset
  });

  it('when a message is delivered then the sent counter, the lag and the provider latency move', async () => {
    const user = await makeReceiver({ os: 'android' });
    await queueMessage(user._id, { due: new Date(Date.now() - 1500) });
    await eventually(() => fcm.forToken(user.device!.reg_id).length > 0, 10_000, 'the push');
    let text = '';
    await eventually(
      async () => {
        text = await (await scrape('/metrics', TOKEN)).text();
        return sumOf(checkExposition(text), DELIVERIES, { outcome: 'sent' }) === 1;
      },
      5_000,
      'the sent counter',
    );
    const samples = checkExposition(text);
    expect(valueOf(samples, DELIVERIES, { outcome: 'sent', ...ANDROID })).toBe(1);
    expect(valueOf(samples, `${LATENCY}_count`, ANDROID)).toBe(1);
    expect(valueOf(samples, `${LATENCY}_bucket`, { ...ANDROID, le: '+Inf' })).toBe(1);
    expect(valueOf(samples, `${LATENCY}_count`, { provider: 'apns', platform: 'ios' })).toBe(0);
    expect(sample(text, 'pictever_worker_push_lag_seconds_count')).toBe(1);
    expect(sample(text, 'pictever_worker_push_lag_seconds_sum')).toBeGreaterThanOrEqual(1.5);
    expect(sample(text, 'pictever_worker_push_lag_seconds_bucket{le="1"}')).toBe(0);
    expect(sample(text, 'pictever_worker_push_lag_seconds_bucket{le="+Inf"}')).toBe(1);
  });

  it('when the worker starts and delivers then its database commands are counted by name and collection', async () => {
    const before = await (await scrape('/metrics', TOKEN)).text();
    expect(before).toContain(`# TYPE ${COMMANDS} counter`);
    // Counted from the first command on: the index check at start-up (one per collection).
    expect(sample(before, `${COMMANDS}{command="listIndexes",collection="push_jobs"}`)).toBe(1);
    const user = await makeReceiver({ os: 'android' });
    await queueMessage(user._id, { due: new Date(Date.now() - 1000) });
    await eventually(() => fcm.forToken(user.device!.reg_id).length > 0, 10_000, 'the push');
    const after = await (await scrape('/metrics', TOKEN)).text();
    // The queue is read on the way to every push; which commands is the engine's choice.
    expect(commandsWith(after, 'collection="push_jobs"')).toBeGreaterThan(
      commandsWith(before, 'collection="push_jobs"'),
    );
    // The outcome is recorded in push_outcomes; the worker never touches messages.
    await eventually(
      async () =>
        commandsWith(await (await scrape('/metrics', TOKEN)).text(), 'collection="push_outcomes"') >
        commandsWith(before, 'collection="push_outcomes"'),
      5000,
      'the outcome insert',
    );
    expect(commandsWith(after, 'collection="messages"')).toBe(commandsWith(before, 'collection="messages"'));
  });

  it('when the worker gets SIGTERM then it exits 0 and its metrics port is closed', async () => {
    await worker.stop();
    expect(await worker.exited).toEqual({ code: 0, signal: null });
    await expect(scrape('/readyz', TOKEN)).rejects.toThrow();
  });
});

describe('the worker metrics, in process', () => {
  it('when no OPERATOR_TOKEN is configured then both routes answer 404', async () => {
    const { logger } = captureLogger();
    const app = metricsApp({
      operatorToken: undefined,
      registry: createWorkerMetrics(logger, Date.now).registry,
      connection: mongoose.connection,
    });
    await request(app).get('/metrics').set('authorization', 'Bearer anything').expect(404);
    await request(app).get('/readyz').expect(404);
  });

  it('when push jobs are due then the backlog gauge counts only those due at scrape time', async () => {
    await PushJob.deleteMany({}); // the worker process above has stopped
    const now = Date.now();
    const job = { kind: 'teaser', user_id: new Types.ObjectId(), text: 't' };
    await PushJob.insertMany([
      { ...job, due_at: new Date(now - 1000) },
      { ...job, due_at: new Date(now) },
      { ...job, due_at: new Date(now + 1) },
    ]);
    const { logger } = captureLogger();
    const text = await createWorkerMetrics(logger, () => now).registry.metrics();
    expect(sample(text, 'pictever_worker_due_pushes')).toBe(2);
  });

  it('when a monitored client runs commands then each is counted under its name and collection', async () => {
    const registry = new Registry();
    const client = await MongoClient.connect(db.uri(), { monitorCommands: true });
    try {
      client.on('commandStarted', countDatabaseCommands(registry));
      const claims = client.db().collection('push_claims');
      await claims.insertMany([{ _id: 'a:0' }, { _id: 'b:0' }, { _id: 'c:0' }] as never[]);
      await claims.insertOne({ _id: 'd:0' } as never);
      // A batch of one: the rest comes by getMore, which names its collection elsewhere.
      await claims.find({}, { batchSize: 1 }).toArray();
      await client.db().admin().ping();
    } finally {
      await client.close();
    }
    const text = await registry.metrics();
    expect(sample(text, `${COMMANDS}{command="insert",collection="push_claims"}`)).toBe(2);
    expect(sample(text, `${COMMANDS}{command="find",collection="push_claims"}`)).toBe(1);
    expect(sample(text, `${COMMANDS}{command="getMore",collection="push_claims"}`)).toBeGreaterThanOrEqual(1);
    expect(sample(text, `${COMMANDS}{command="ping",collection=""}`)).toBe(1);
  });

  it('when lags are observed then the histogram is in seconds with the prom bucket bounds', async () => {
    const { logger } = captureLogger();
    const metrics = createWorkerMetrics(logger, Date.now);
    metrics.observeLag(40);
    metrics.observeLag(1500);
    metrics.count('sent', 'apns');
    metrics.observeProviderLatency('apns', 30);
    metrics.observeProviderLatency('apns', 700);
    metrics.takeovers += 2;
    const text = await metrics.registry.metrics();
    const samples = checkExposition(text);
    const ios = { provider: 'apns', platform: 'ios' };
    expect(valueOf(samples, `${LATENCY}_bucket`, { ...ios, le: '0.025' })).toBe(0);
    expect(valueOf(samples, `${LATENCY}_bucket`, { ...ios, le: '0.05' })).toBe(1);
    expect(valueOf(samples, `${LATENCY}_bucket`, { ...ios, le: '1' })).toBe(2);
    expect(valueOf(samples, `${LATENCY}_sum`, ios)).toBeCloseTo(0.73);
    expect(sample(text, 'pictever_worker_push_lag_seconds_bucket{le="0.05"}')).toBe(1);
    expect(sample(text, 'pictever_worker_push_lag_seconds_bucket{le="1"}')).toBe(1);
    expect(sample(text, 'pictever_worker_push_lag_seconds_bucket{le="2"}')).toBe(2);
    expect(sample(text, 'pictever_worker_push_lag_seconds_sum')).toBeCloseTo(1.54);
    expect(valueOf(samples, DELIVERIES, { outcome: 'sent', ...ios })).toBe(1);
    expect(sumOf(samples, DELIVERIES, { outcome: 'sent' })).toBe(metrics.deliveries.sent);
    expect(sample(text, 'pictever_worker_lease_takeovers_total')).toBe(2);
    expect(metrics.snapshot().lag.count).toBe(2);
  });
});
