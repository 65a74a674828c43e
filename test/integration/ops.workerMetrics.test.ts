/**
 * Metrics fit for Heroku and Prometheus (README "Worker", Observability): the DYNO label
 * on the web's and the worker's series, deliveries by provider and platform and the
 * provider latency histogram after pushes through the fake FCM and APNs, and the workers'
 * figures on the web's /metrics through their heartbeats: from a real in-process worker,
 * and from worker states inserted with figures of a DeliveryMetrics driven here (a gone
 * worker at 0 without counters, a state too old left out, label values escaped). Every text passes the strict line check of test/helpers/exposition.ts.
 */
import mongoose from 'mongoose';
import request from 'supertest';
import { WorkerState } from '../../src/models/workerBeat';
import { readWorkerSeries } from '../../src/http/workerMetrics';
import { createWorker, type Worker } from '../../workers/createWorker';
import { DeliveryMetrics } from '../../workers/delivery/metrics';
import { storable } from '../../workers/heartbeat';
import { buildTestApp, captureLogger, testConfig } from '../helpers/app';
import { useTestDatabase } from '../helpers/db';
import { checkExposition, sumOf, valueOf, type ParsedSample } from '../helpers/exposition';
import { startFakeApns, type FakeApns } from '../helpers/fakeApns';
import { startFakeFcm, type FakeFcm } from '../helpers/fakeFcm';
import { eventually, makeReceiver, queueMessage, settledOutcome } from '../helpers/workerFixtures';
import { WORKER_TEST_ENV } from '../helpers/workerProcess';
import { makeTestTls } from '../helpers/workerTls';

jest.setTimeout(60_000);

const TOKEN = 'operator-token-for-worker-metrics';
const DELIVERIES = 'pictever_worker_deliveries_total';
const LATENCY = 'pictever_worker_provider_latency_seconds';
const LAG = 'pictever_worker_push_lag_seconds';
const ANDROID = { provider: 'fcm', platform: 'android' };
const IOS = { provider: 'apns', platform: 'ios' };
const db = useTestDatabase();

async function webSamples(app: Parameters<typeof request>[0]): Promise<ParsedSample[]> {
  const res = await request(app).get('/metrics').set('authorization', `Bearer ${TOKEN}`).expect(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return checkExposition(res.text);
}

const ofWorker = (samples: ParsedSample[], worker: string) =>
  samples.filter((s) => s.labels.worker === worker);

describe('a worker delivering to Android and iOS, with DYNO set', () => {
  let fcm: FakeFcm;
  let apns: FakeApns;
  let worker: Worker;

  beforeAll(async () => {
    const tls = makeTestTls();
    [fcm, apns] = await Promise.all([startFakeFcm(tls), startFakeApns(tls)]);
    const config = testConfig({
      ...WORKER_TEST_ENV,
      MONGODB_URI: db.uri(),
      FCM_CREDENTIALS: fcm.credentials,
      FCM_API_URL: fcm.url,
      ...apns.env,
      OPERATOR_TOKEN: TOKEN,
      WORKER_METRICS_PORT: '0',
      WORKER_HEARTBEAT_S: '2',
      DYNO: 'worker.1',
    });
    worker = await createWorker({
      config,
      logger: captureLogger('warn').logger,
      connection: mongoose.connection,
      push: { ca: [tls.ca] },
    });
    await worker.start();
    const [android, ios] = await Promise.all([makeReceiver({ os: 'android' }), makeReceiver({ os: 'ios' })]);
    const ids = await Promise.all(
      [android, ios].map((u) => queueMessage(u._id, { due: new Date(Date.now() - 1000) })),
    );
    for (const id of ids) expect((await settledOutcome(id, 10_000)).outcome).toBe('sent');
  });

  afterAll(async () => {
    await worker?.stop(5_000);
    await Promise.all([fcm?.close(), apns?.close()]);
  });

  const workerSamples = async () => {
    const res = await fetch(`http://127.0.0.1:${String(worker.metricsPort())}/metrics`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(res.status).toBe(200);
    return checkExposition(await res.text());
  };

  it('when it has pushed then its own /metrics counts each provider and platform, and every series carries its dyno', async () => {
    const samples = await workerSamples();
    const dyno = { dyno: 'worker.1' };
    expect(valueOf(samples, DELIVERIES, { outcome: 'sent', ...ANDROID, ...dyno })).toBe(1);
    expect(valueOf(samples, DELIVERIES, { outcome: 'sent', ...IOS, ...dyno })).toBe(1);
    // The totals by outcome, as before the provider labels, are their sum.
    expect(sumOf(samples, DELIVERIES, { outcome: 'sent' })).toBe(2);
    expect(sumOf(samples, DELIVERIES, { outcome: 'sent' })).toBe(worker.metrics.deliveries.sent);
    for (const labels of [ANDROID, IOS]) {
      expect(valueOf(samples, `${LATENCY}_count`, { ...labels, ...dyno })).toBe(1);
      expect(valueOf(samples, `${LATENCY}_bucket`, { ...labels, ...dyno, le: '+Inf' })).toBe(1);
      expect(valueOf(samples, `${LATENCY}_sum`, { ...labels, ...dyno })).toBeGreaterThan(0);
    }
    expect(samples.length).toBeGreaterThan(50); // Node's process metrics too
    expect(samples.filter((s) => s.labels.dyno !== 'worker.1')).toEqual([]);
  });

  it("when DYNO is set then every series of the web's own carries it, and the worker's series carry the worker's", async () => {
    const { app } = buildTestApp({ OPERATOR_TOKEN: TOKEN, DYNO: 'web.1' });
    await request(app).get('/hello').expect(200);
    await worker.beat();
    let samples: ParsedSample[] = [];
    // A beat in an interval already recorded is refused: the next one (2 s) brings the figures.
    await eventually(
      async () => {
        samples = await webSamples(app);
        return sumOf(ofWorker(samples, worker.id), DELIVERIES, { outcome: 'sent' }) === 2;
      },
      10_000,
      "the worker's deliveries on the web's /metrics",
    );
    const own = samples.filter((s) => !s.name.startsWith('pictever_worker_'));
    expect(own.length).toBeGreaterThan(50);
    expect(own.filter((s) => s.labels.dyno !== 'web.1')).toEqual([]);
    expect(
      valueOf(own, 'pictever_http_requests_total', {
        route: '/hello',
        method: 'GET',
        status: '200',
        dyno: 'web.1',
      }),
    ).toBe(1);

    const ids = { worker: worker.id, dyno: 'worker.1' };
    expect(valueOf(samples, 'pictever_worker_up', ids)).toBe(1);
    const lastBeat = valueOf(samples, 'pictever_worker_last_beat_timestamp_seconds', ids)!;
    expect(Date.now() / 1000 - lastBeat).toBeLessThan(5);
    // The same figures as the worker's own port, labelled by worker.
    const direct = await workerSamples();
    for (const name of [
      DELIVERIES,
      `${LATENCY}_count`,
      `${LATENCY}_bucket`,
      `${LAG}_count`,
      `${LAG}_bucket`,
    ]) {
      const there = direct.filter((s) => s.name === name);
      expect(there.length).toBeGreaterThan(0);
      const onWeb = there.map((s) => valueOf(samples, name, { ...s.labels, ...ids }));
      expect([name, onWeb]).toEqual([name, there.map((s) => s.value)]);
    }
    for (const name of [
      'pictever_worker_pushes_in_flight',
      'pictever_worker_lease_takeovers_total',
      'pictever_worker_loop_errors_total',
    ]) {
      expect(valueOf(samples, name, ids)).toBe(valueOf(direct, name, { dyno: 'worker.1' }));
    }
    expect(valueOf(samples, `${LAG}_sum`, ids)).toBeCloseTo(
      valueOf(direct, `${LAG}_sum`, { dyno: 'worker.1' })!,
      6,
    );
  });

  it("when DYNO is unset then the web's own series carry no dyno label", async () => {
    const { app } = buildTestApp({ OPERATOR_TOKEN: TOKEN });
    const own = (await webSamples(app)).filter((s) => !s.name.startsWith('pictever_worker_'));
    expect(own.length).toBeGreaterThan(50);
    expect(own.filter((s) => 'dyno' in s.labels)).toEqual([]);
  });
});

describe("workers' beats on the web's /metrics", () => {
  const now = new Date();
  const ago = (s: number) => new Date(now.getTime() - s * 1000);
  /** A worker's state (worker_states), as its last beat wrote it `at`. */
  const beat = (worker: string, dyno: string | undefined, at: Date, figures: unknown) => ({
    _id: worker,
    worker,
    dyno,
    at,
    started_at: ago(3600),
    interval_s: 15,
    paused: false,
    figures,
    jobs: [],
  });

  /** A worker's figures since its start: pushes to both providers, lags, latencies, the loop's counts. */
  function drivenFigures() {
    const m = new DeliveryMetrics();
    m.count('sent', 'fcm');
    m.count('sent', 'fcm');
    m.count('sent', 'apns');
    m.count('dead_token', 'apns');
    m.count('no_token');
    for (const ms of [40, 1500, 400_000]) m.observeLag(ms);
    m.observeProviderLatency('fcm', 30);
    m.observeProviderLatency('fcm', 120);
    m.observeProviderLatency('apns', 700);
    Object.assign(m, { takeovers: 2, claimConflicts: 1, loopErrors: 4, inFlight: 3 });
    return storable(m.snapshot());
  }

  const ALIVE = 'host-a:11:aa11aa';
  const GONE = 'host-b:22:bb22bb';
  const TOO_OLD = 'host-c:33:cc33cc';
  const OTHER_VERSION = 'host-d:44:dd44dd';
  const ODD = 'host "e"\\1:55:ee';

  beforeAll(async () => {
    await WorkerState.insertMany([
      beat(ALIVE, 'worker.1', ago(5), drivenFigures()),
      beat(GONE, 'worker.2', ago(60), drivenFigures()),
      beat(TOO_OLD, 'worker.3', ago(11 * 60), drivenFigures()),
      beat(OTHER_VERSION, 'worker.4', ago(3), { deliveries: { sent: 3 } }),
      beat(ODD, undefined, ago(1), drivenFigures()),
    ]);
  });

  it("when a worker is alive then its state's figures are exposed under its worker and dyno", async () => {
    const { app } = buildTestApp({ OPERATOR_TOKEN: TOKEN }, { now: () => now });
    const samples = await webSamples(app);
    const ids = { worker: ALIVE, dyno: 'worker.1' };
    const at = (name: string, labels: Record<string, string> = {}) =>
      valueOf(samples, name, { ...ids, ...labels });
    expect(at('pictever_worker_up')).toBe(1);
    expect(at('pictever_worker_last_beat_timestamp_seconds')).toBe(ago(5).getTime() / 1000);
    expect(at(DELIVERIES, { outcome: 'sent', ...ANDROID })).toBe(2);
    expect(at(DELIVERIES, { outcome: 'sent', ...IOS })).toBe(1);
    expect(at(DELIVERIES, { outcome: 'dead_token', ...IOS })).toBe(1);
    expect(at(DELIVERIES, { outcome: 'no_token', provider: '', platform: '' })).toBe(1);
    expect(at(DELIVERIES, { outcome: 'retry', ...ANDROID })).toBe(0);
    expect(sumOf(ofWorker(samples, ALIVE), DELIVERIES)).toBe(5);
    expect(at(`${LAG}_bucket`, { le: '0.05' })).toBe(1);
    expect(at(`${LAG}_bucket`, { le: '1' })).toBe(1);
    expect(at(`${LAG}_bucket`, { le: '2' })).toBe(2);
    expect(at(`${LAG}_bucket`, { le: '300' })).toBe(2);
    expect(at(`${LAG}_bucket`, { le: '+Inf' })).toBe(3);
    expect(at(`${LAG}_count`)).toBe(3);
    expect(at(`${LAG}_sum`)).toBeCloseTo(401.54, 6);
    expect(at(`${LATENCY}_bucket`, { ...ANDROID, le: '0.025' })).toBe(0);
    expect(at(`${LATENCY}_bucket`, { ...ANDROID, le: '0.05' })).toBe(1);
    expect(at(`${LATENCY}_bucket`, { ...ANDROID, le: '0.25' })).toBe(2);
    expect(at(`${LATENCY}_sum`, ANDROID)).toBeCloseTo(0.15, 6);
    expect(at(`${LATENCY}_bucket`, { ...IOS, le: '0.5' })).toBe(0);
    expect(at(`${LATENCY}_bucket`, { ...IOS, le: '1' })).toBe(1);
    expect(at(`${LATENCY}_count`, IOS)).toBe(1);
    expect(at('pictever_worker_pushes_in_flight')).toBe(3);
    expect(at('pictever_worker_lease_takeovers_total')).toBe(2);
    expect(at('pictever_worker_claim_conflicts_total')).toBe(1);
    expect(at('pictever_worker_loop_errors_total')).toBe(4);
  });

  it('when a worker is silent for two intervals then it shows up 0 with its last beat and no counters; older ones not at all', async () => {
    const { app } = buildTestApp({ OPERATOR_TOKEN: TOKEN }, { now: () => now });
    const samples = await webSamples(app);
    expect(ofWorker(samples, GONE).map((s) => [s.name, s.labels.dyno, s.value])).toEqual([
      ['pictever_worker_up', 'worker.2', 0],
      ['pictever_worker_last_beat_timestamp_seconds', 'worker.2', ago(60).getTime() / 1000],
    ]);
    expect(ofWorker(samples, TOO_OLD)).toEqual([]);
    // A live worker whose figures this version cannot read: alive, without counters.
    expect(ofWorker(samples, OTHER_VERSION).map((s) => [s.name, s.value])).toEqual([
      ['pictever_worker_up', 1],
      ['pictever_worker_last_beat_timestamp_seconds', ago(3).getTime() / 1000],
    ]);
  });

  it('when a worker name holds quotes and a backslash and it has no dyno then its labels are escaped and dyno empty', async () => {
    const { app } = buildTestApp({ OPERATOR_TOKEN: TOKEN }, { now: () => now });
    const res = await request(app).get('/metrics').set('authorization', `Bearer ${TOKEN}`).expect(200);
    expect(res.text).toContain('pictever_worker_up{worker="host \\"e\\"\\\\1:55:ee",dyno=""} 1\n');
    const samples = checkExposition(res.text);
    expect(valueOf(samples, DELIVERIES, { worker: ODD, dyno: '', outcome: 'sent', ...ANDROID })).toBe(2);
  });

  it('when the read of the beats fails or outlasts its bound then the workers are left out with a warning', async () => {
    const { logger, logLines } = captureLogger();
    const never = () => new Promise<never>(() => undefined);
    const started = Date.now();
    expect(await readWorkerSeries({ logger, now: () => now, read: never, timeoutMs: 100 })).toBe('');
    expect(Date.now() - started).toBeLessThan(2_000);
    const failing = () => Promise.reject(new Error('connection closed'));
    expect(await readWorkerSeries({ logger, now: () => now, read: failing })).toBe('');
    const warnings = logLines.map(
      (l) => JSON.parse(l) as { level: number; msg: string; err?: { message?: string } },
    );
    expect(warnings.map((w) => [w.level, w.msg, w.err?.message])).toEqual([
      [40, 'worker heartbeats not read; /metrics leaves the workers out', 'no answer within 100 ms'],
      [40, 'worker heartbeats not read; /metrics leaves the workers out', 'connection closed'],
    ]);
    // The same read on the database, bounded the same way, answers.
    expect(await readWorkerSeries({ logger, now: () => now })).toContain(`worker="${ALIVE}"`);
  });
});
