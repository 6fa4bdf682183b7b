import { collectDefaultMetrics, Registry, Summary } from 'prom-client';

/**
 * Metrics of one app instance, in their own registry (so apps built side by side in tests do
 * not share counters). The summary keeps a sliding 10-minute window, so /stats reports
 * current latency rather than the average since start.
 */
export function createMetrics(options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry });
  const sidebarLatency = new Summary({
    name: 'sidebar_request_duration_seconds',
    help: 'Time to answer GET /api/v1/shared/sidebar',
    percentiles: [0.5, 0.95, 0.99],
    maxAgeSeconds: 600,
    ageBuckets: 5,
    registers: [registry],
  });

  return {
    registry,
    sidebarLatency,
    /** p50/p95/p99 in milliseconds over the window, null before the first request. */
    async sidebarLatencyMs() {
      const { values } = await sidebarLatency.get();
      const at = (q: number) => {
        const v = values.find((x) => x.labels.quantile === q)?.value;
        return v === undefined || Number.isNaN(v) ? null : Math.round(v * 1e6) / 1e3;
      };
      const count = values.find((x) => x.metricName === 'sidebar_request_duration_seconds_count')?.value ?? 0;
      return { count, p50: at(0.5), p95: at(0.95), p99: at(0.99) };
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
