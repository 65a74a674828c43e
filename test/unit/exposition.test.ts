/**
 * The Prometheus text written by hand for other processes' figures (src/http/exposition.ts),
 * the strict check the tests read all metrics with (test/helpers/exposition.ts), and the
 * delivery counters that start at 0 (workers/delivery/metrics.ts).
 */
import {
  escapeLabelValue,
  formatValue,
  histogramSamples,
  renderFamilies,
  type Family,
} from '../../src/http/exposition';
import { DeliveryMetrics } from '../../workers/delivery/metrics';
import { checkExposition, labelsOf, sumOf, valueOf } from '../helpers/exposition';

describe('the exposition writer', () => {
  it('when a label value holds a backslash, a double quote or a line feed then each is escaped', () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    expect(labelsOf(`x="${escapeLabelValue('a\\b"c\nd')}"`)).toEqual({ x: 'a\\b"c\nd' });
  });

  it('when values are not finite then they are written as Prometheus reads them', () => {
    expect([NaN, Infinity, -Infinity, 0.25, 3].map(formatValue)).toEqual([
      'NaN',
      '+Inf',
      '-Inf',
      '0.25',
      '3',
    ]);
  });

  it('when a histogram is written from non-cumulative counts in ms then its buckets are cumulative seconds', () => {
    const samples = histogramSamples({ worker: 'w' }, [50, 100, 2500], [1, 0, 2, 4], 9_876);
    expect(samples.map((s) => [s.suffix, s.labels.le, s.value])).toEqual([
      ['_bucket', '0.05', 1],
      ['_bucket', '0.1', 1],
      ['_bucket', '2.5', 3],
      ['_bucket', '+Inf', 7],
      ['_sum', undefined, 9.876],
      ['_count', undefined, 7],
    ]);
    expect(samples.every((s) => s.labels.worker === 'w')).toBe(true);
  });

  it('when families are rendered then empty ones are left out and the text passes the strict check', () => {
    const families: Family[] = [
      { name: 'x_up', type: 'gauge', help: 'Up\\down\nor not', samples: [] },
      {
        name: 'x_total',
        type: 'counter',
        help: 'A "count"',
        samples: [
          { labels: { worker: 'h"1\\x', dyno: '' }, value: 2 },
          { labels: { worker: 'h2', dyno: 'worker.2' }, value: 0 },
        ],
      },
      { name: 'x_seconds', type: 'histogram', help: 'h', samples: histogramSamples({}, [10], [1, 1], 30) },
    ];
    const text = renderFamilies(families);
    expect(text).not.toContain('x_up');
    expect(text).toContain('x_total{worker="h\\"1\\\\x",dyno=""} 2\n');
    const samples = checkExposition(text);
    expect(valueOf(samples, 'x_total', { worker: 'h"1\\x', dyno: '' })).toBe(2);
    expect(sumOf(samples, 'x_total')).toBe(2);
    expect(valueOf(samples, 'x_seconds_bucket', { le: '0.01' })).toBe(1);
    expect(valueOf(samples, 'x_seconds_count')).toBe(2);
    expect(renderFamilies([families[0]!])).toBe('');
  });
});

describe('the strict check of the tests', () => {
  const typed = (lines: string[]) => `# TYPE a gauge\n${lines.join('\n')}\n`;

  it.each([
    ['an unescaped quote in a label value', typed(['a{x="b"c"} 1']), 'not a HELP, TYPE or sample line'],
    ['a value that is not a number', typed(['a 1,5']), 'not a HELP, TYPE or sample line'],
    ['a sample before any TYPE', 'a 1\n', "outside its family's TYPE block"],
    ['a sample of another family', typed(['b 1']), "outside its family's TYPE block"],
    ['a repeated series', typed(['a{x="1"} 1', 'a{x="1"} 2']), 'series repeated'],
    ['a repeated TYPE', typed(['a 1', '# TYPE a gauge']), 'TYPE repeated'],
    ['no line feed at the end', '# TYPE a gauge\na 1', 'no line feed at the end'],
    [
      'falling buckets',
      '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_count 1\n',
      'buckets not cumulative',
    ],
    [
      'a +Inf bucket unlike _count',
      '# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_count 1\n',
      'no +Inf bucket equal to _count',
    ],
  ])('when the text has %s then it is refused', (_what, text, reason) => {
    expect(() => checkExposition(text)).toThrow(reason);
  });

  it('when the text is well formed then its samples are returned, NaN and Inf in any case', () => {
    const samples = checkExposition(
      typed(['# HELP a A \\\\ help', 'a{x="1"} Nan', 'a{x="2"} +Inf', '', 'a 1e3']),
    );
    expect(samples.map((s) => s.value)).toEqual([NaN, Infinity, 1000]);
  });
});

describe('delivery counters', () => {
  it('when a worker starts then the usual outcome and provider pairs and both providers latencies exist at 0', () => {
    const m = new DeliveryMetrics();
    const { byProvider, providerLatency } = m.snapshot();
    expect(byProvider).toMatchObject({ 'sent:fcm': 0, 'sent:apns': 0, 'retry:apns': 0, 'no_token:': 0 });
    expect(Object.values(byProvider).every((n) => n === 0)).toBe(true);
    expect(providerLatency.fcm).toEqual({ counts: new Array(11).fill(0), count: 0, sumMs: 0 });
    m.count('sent', 'apns');
    m.count('failed');
    m.observeProviderLatency('apns', 30);
    const after = m.snapshot();
    expect([after.byProvider['sent:apns'], after.byProvider['failed:'], after.deliveries.failed]).toEqual([
      1, 1, 1,
    ]);
    expect(after.providerLatency.apns).toMatchObject({ count: 1, sumMs: 30 });
    expect(after.providerLatency.apns!.counts[2]).toBe(1); // 25 < 30 <= 50 ms
  });
});
