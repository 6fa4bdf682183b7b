import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { BucketHistogram } from '../../../src/observability/bucket-histogram.js';

describe('BucketHistogram', () => {
  it('renders exactly what prom-client’s Histogram renders for the same observations', async () => {
    const buckets = [0.001, 0.01, 0.1, 1];
    const labelNames = ['route', 'status_code'] as const;
    const ours = new Registry();
    const theirs = new Registry();
    const cheap = new BucketHistogram('req_seconds', 'Request durations', labelNames, buckets);
    ours.registerMetric(cheap as never);
    const reference = new Histogram({ name: 'req_seconds', help: 'Request durations', labelNames, buckets, registers: [theirs] });
    const observations: Array<[Record<(typeof labelNames)[number], string>, number]> = [
      [{ route: '/a', status_code: '200' }, 0.0005],
      [{ route: '/a', status_code: '200' }, 0.001], // on a bound: counts in that bucket
      [{ route: '/a', status_code: '200' }, 0.05],
      [{ route: '/a', status_code: '304' }, 3], // above every bound: +Inf only
      [{ route: '/b "quoted"', status_code: '200' }, 0.2],
    ];
    const bound = cheap.labels({ route: '/a', status_code: '200' });
    for (const [labels, value] of observations) {
      if (labels.route === '/a' && labels.status_code === '200') bound.observe(value);
      else cheap.observe(labels, value);
      reference.observe(labels, value);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
    // As JSON too (prom-client adds empty exemplar fields, which this histogram does not support).
    const withoutExemplars = (metric: { values: Array<Record<string, unknown>> }) => ({
      ...metric,
      values: metric.values.map(({ exemplar: _, ...value }) => value),
    });
    expect((await ours.getMetricsAsJSON())[0]).toEqual(withoutExemplars((await theirs.getMetricsAsJSON())[0] as never));
  });
});
