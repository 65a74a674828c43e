/**
 * The operator console's arithmetic (src/domain/opsFigures.ts): coming peaks by hour and
 * day, quantiles from histogram buckets, sums of heartbeat intervals, which workers are
 * alive, and a token's fingerprint.
 */
import {
  LAG_BUCKETS_MS,
  PEAK_DAYS,
  PEAK_HOURS,
  bucketPeaks,
  bucketQuantile,
  peakWindow,
  quantileBeyond,
  sumIntervals,
  tokenFingerprint,
  workerStates,
  type BeatInterval,
} from '../../src/domain/opsFigures';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const now = new Date('2026-12-30T22:40:00Z');

describe('bucketPeaks', () => {
  it('when pushes fall due over the coming days then each counts in its hour and its UTC day', () => {
    const times = [
      now.getTime(), // this hour, today
      Date.parse('2026-12-30T23:59:59.999Z'), // this hour's next, today
      ...Array.from({ length: 5 }, () => Date.parse('2027-01-01T00:00:00Z')), // New Year
      Date.parse('2027-01-01T23:00:00Z'), // beyond 48 hours, New Year's Day
      Date.parse('2027-02-27T12:00:00Z'), // day 59, the last shown
    ];
    const peaks = bucketPeaks(times, now);
    expect(peaks.hours).toHaveLength(PEAK_HOURS);
    expect(peaks.days).toHaveLength(PEAK_DAYS);
    expect(peaks.hours[0]).toEqual({ start: new Date('2026-12-30T22:00:00Z'), count: 1 });
    expect(peaks.hours[1]!.count).toBe(1);
    expect(peaks.hours[26]).toEqual({ start: new Date('2027-01-01T00:00:00Z'), count: 5 });
    expect(peaks.hours.reduce((a, b) => a + b.count, 0)).toBe(7);
    expect(peaks.days.slice(0, 3).map((d) => d.count)).toEqual([2, 0, 6]);
    expect(peaks.days[59]).toEqual({ start: new Date('2027-02-27T00:00:00Z'), count: 1 });
    expect(peaks.total).toBe(9);
  });

  it('when a time is past or after the last day then it is not counted', () => {
    const { until } = peakWindow(now);
    const peaks = bucketPeaks([now.getTime() - 1, until.getTime(), until.getTime() + DAY], now);
    expect(peaks.total).toBe(0);
    expect(until).toEqual(new Date('2027-02-28T00:00:00Z'));
  });
});

describe('bucketQuantile', () => {
  const bounds = [100, 200, 400];

  it('when there are no observations then there is no quantile', () => {
    expect(bucketQuantile(bounds, [0, 0, 0, 0], 0.5)).toBeUndefined();
  });

  it('when observations fill buckets then the quantile is interpolated in its bucket', () => {
    // 10 in (0,100], 10 in (100,200]: the median is the first bucket's top, p75 halfway in the second.
    expect(bucketQuantile(bounds, [10, 10, 0, 0], 0.5)).toBe(100);
    expect(bucketQuantile(bounds, [10, 10, 0, 0], 0.75)).toBe(150);
    expect(bucketQuantile(bounds, [0, 0, 4, 0], 0.99)).toBeCloseTo(398, 0);
  });

  it('when the quantile falls beyond the last bound then it is that bound, and said to be beyond it', () => {
    expect(bucketQuantile(bounds, [1, 0, 0, 99], 0.99)).toBe(400);
    expect(quantileBeyond(bounds, [1, 0, 0, 99], 0.99)).toBe(true);
    expect(quantileBeyond(bounds, [99, 0, 0, 1], 0.99)).toBe(false);
    expect(quantileBeyond(bounds, [98, 0, 0, 2], 0.99)).toBe(true);
    expect(quantileBeyond(bounds, [0, 0, 0, 0], 0.99)).toBe(false);
  });
});

describe('sumIntervals', () => {
  const lag = (i: number) => LAG_BUCKETS_MS.map((_, j) => (j === i ? 1 : 0)).concat(0);
  const beats: BeatInterval[] = [
    {
      at: new Date(now.getTime() - 2 * HOUR),
      interval: { deliveries: { 'sent:fcm': 5 }, lag: { counts: lag(0) } },
    },
    {
      at: new Date(now.getTime() - 10 * 60_000),
      interval: { deliveries: { 'sent:fcm': 2, 'sent:apns': 3, 'no_token:': 1 }, lag: { counts: lag(3) } },
    },
    { at: new Date(now.getTime() - 60_000), interval: null },
  ];

  it('when beats are summed since a time then only theirs count, most pushes first', () => {
    const hour = sumIntervals(beats, new Date(now.getTime() - HOUR), LAG_BUCKETS_MS.length);
    expect(hour.outcomes).toEqual([
      { outcome: 'sent', provider: 'apns', count: 3 },
      { outcome: 'sent', provider: 'fcm', count: 2 },
      { outcome: 'no_token', provider: '', count: 1 },
    ]);
    expect(hour.lagCounts).toEqual(lag(3));
    const day = sumIntervals(beats, new Date(now.getTime() - DAY), LAG_BUCKETS_MS.length);
    expect(day.outcomes[0]).toEqual({ outcome: 'sent', provider: 'fcm', count: 7 });
    expect(day.lagCounts.reduce((a, b) => a + b, 0)).toBe(2);
  });
});

describe('workerStates', () => {
  const beat = (worker: string, agoS: number, interval_s = 15) => ({
    worker,
    at: new Date(now.getTime() - agoS * 1000),
    started_at: new Date(now.getTime() - DAY),
    interval_s,
  });

  it('when a worker is silent for more than two intervals then it is gone; its newest beat decides', () => {
    const states = workerStates([beat('b', 100), beat('a', 31), beat('a', 1), beat('c', 30)], now);
    expect(states.map((s) => [s.beat.worker, s.alive, (now.getTime() - s.beat.at.getTime()) / 1000])).toEqual(
      [
        ['a', true, 1],
        ['c', true, 30],
        ['b', false, 100],
      ],
    );
  });
});

describe('tokenFingerprint', () => {
  it('when a token is named then only a short hash of it appears, the same for the same token', () => {
    const token = 'f'.repeat(152);
    expect(tokenFingerprint(token)).toMatch(/^token#[0-9a-f]{10}$/);
    expect(tokenFingerprint(token)).toBe(tokenFingerprint(token));
    expect(tokenFingerprint(token)).not.toBe(tokenFingerprint(`${token}x`));
    expect(tokenFingerprint(token)).not.toContain('fff');
  });
});
