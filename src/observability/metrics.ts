import * as hdr from 'hdr-histogram-js';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { paths } from '../contract/index.js';
import { BucketHistogram } from './bucket-histogram.js';

/*
 * Every metric the service exports, in one registry per app, with the gauges that read the other
 * modules when scraped. Longer than most modules because it is a list: each metric is a few lines
 * of name, help and labels, and the dashboard and the alerts (deploy/) name them all from here.
 */

/** What the metrics read from the sidebar module at scrape time (nothing costs per request). */
export interface SidebarReadings {
  answers: () => { memory: number; cache: number; database: number; stale: number; errors: number };
  /** When the view was last refreshed successfully (the last one seen while the database cannot be read), or null. */
  lastSuccessAt: () => Promise<Date | null>;
  /** The refresh calls this process has in flight: when the oldest of each trigger started (epoch ms). */
  refreshingSince: () => Record<string, number | undefined>;
  /** The version this process serves (the refresh that made it) and when it was refreshed (epoch ms); null: none yet, or the fallback. */
  served: () => { version: number; refreshedAt: number | null } | null;
}

/** The settings operators' alerts and dashboards compare against, exported as gauges. */
export interface MetricSettings {
  refreshAlertSeconds: number;
  refreshIntervalSeconds: number;
}

/** What the metrics read from the database and the cache at scrape time. */
export interface InfrastructureReadings {
  /** The primary's pool (PostgreSQL), or null (PGlite). */
  pool: () => { total: number; idle: number; waiting: number } | null;
  cacheBackend: 'in-process' | 'redis';
  cacheConnected: () => boolean;
}

/** What the metrics read from the scheduler module at scrape time. */
export type SchedulerReading = () => { running: boolean; last_run_at: string | null; next_run_at: string | null };

const durationBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];
const windowMs = 10 * 60_000;

/**
 * Metrics of one app instance, in their own registry (apps built side by side in tests do not
 * share them), exported at /metrics. Sidebar latency also goes into an HDR histogram over a
 * rotating 10-minute window, for the percentiles of /stats: recording costs ~50 ns, where
 * prom-client's Summary costs ~1.5 µs, a real share of a 20 µs request.
 */
/** The stream hub's figures, read when /metrics is scraped. */
export type StreamReading = () => { clients: number; dropped: number; maxClients: number };

export function createMetrics(options: { defaultMetrics?: boolean; version?: string; settings?: MetricSettings } = {}) {
  const registry = new Registry();
  // Includes process memory and event loop lag (nodejs_eventloop_lag_*).
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry });

  // On every request, the hot path's included: the cheap histogram, rendered as prom-client would.
  const httpDuration = new BucketHistogram(
    'sidebar_http_request_duration_seconds',
    'HTTP request duration by route, method, status and the layer that answered (memory, cache, database; none for other routes)',
    ['route', 'method', 'status_code', 'layer'],
    durationBuckets,
  );
  registry.registerMetric(httpDuration as never);
  const hotPath = {
    200: httpDuration.labels({ route: paths.sidebar, method: 'GET', status_code: '200', layer: 'memory' }),
    304: httpDuration.labels({ route: paths.sidebar, method: 'GET', status_code: '304', layer: 'memory' }),
  };
  const refreshDuration = new Histogram({
    name: 'sidebar_refresh_duration_seconds',
    help: 'Duration of successful refreshes of sidebar_data',
    labelNames: ['trigger'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const refreshes = new Counter({ name: 'sidebar_refresh_total', help: 'Refresh calls by outcome', labelNames: ['status', 'trigger'], registers: [registry] });
  const alerts = new Counter({ name: 'sidebar_refresh_alerts_total', help: 'Refreshes slower than the alert threshold', registers: [registry] });
  const purges = new Counter({
    name: 'sidebar_cdn_purges_total',
    help: 'CDN purge calls by outcome (ok, failed)',
    labelNames: ['outcome'],
    registers: [registry],
  });

  const coldRefusals = new Counter({
    name: 'sidebar_cold_refusals_total',
    help: 'Requests for variants this process does not keep refused for the cold budget: scope address (429, over its share) or process (503, budget spent)',
    labelNames: ['scope'],
    registers: [registry],
  });

  let sidebar: SidebarReadings | null = null;
  let infrastructure: InfrastructureReadings | null = null;
  let scheduler: SchedulerReading | null = null;
  let stream: StreamReading | null = null;
  new Counter({
    name: 'sidebar_answers_total',
    help: 'Sidebar answers by layer: memory (this process), cache (shared cache), database; stale: memory answers served while reloading',
    labelNames: ['layer'],
    registers: [registry],
    collect() {
      if (!sidebar) return;
      const counts = sidebar.answers();
      this.reset();
      for (const layer of ['memory', 'cache', 'database', 'stale'] as const) this.inc({ layer }, counts[layer]);
    },
  });
  new Counter({
    name: 'sidebar_cache_errors_total',
    help: 'Failed shared-cache reads and writes',
    registers: [registry],
    collect() {
      if (!sidebar) return;
      this.reset();
      this.inc(sidebar.answers().errors);
    },
  });
  // With WEB_CONCURRENCY workers, /metrics sums each metric over the workers (cluster.ts); a
  // gauge every worker reports alike, or that one worker alone sets, says how to combine instead.
  // One read of the view's state per scrape, for both gauges that show it.
  let lastSuccess: { at: number; value: Promise<Date | null> } | null = null;
  const lastSuccessAt = (): Promise<Date | null> => {
    if (!sidebar) return Promise.resolve(null);
    if (!lastSuccess || Date.now() - lastSuccess.at > 1000) lastSuccess = { at: Date.now(), value: sidebar.lastSuccessAt().catch(() => null) };
    return lastSuccess.value;
  };
  new Gauge({
    name: 'sidebar_view_age_seconds',
    aggregator: 'min',
    help: 'Seconds since the last successful refresh of sidebar_data',
    registers: [registry],
    async collect() {
      const at = await lastSuccessAt();
      if (at) this.set((Date.now() - at.getTime()) / 1000);
    },
  });
  new Gauge({
    name: 'sidebar_refresh_last_success_timestamp_seconds',
    aggregator: 'max',
    help: 'When sidebar_data was last refreshed successfully (Unix time)',
    registers: [registry],
    async collect() {
      const at = await lastSuccessAt();
      if (at) this.set(at.getTime() / 1000);
    },
  });
  new Gauge({
    name: 'sidebar_refresh_in_progress',
    aggregator: 'max',
    help: '1 while this instance has a refresh call in flight',
    registers: [registry],
    collect() {
      this.set(Object.keys(sidebar?.refreshingSince() ?? {}).length > 0 ? 1 : 0);
    },
  });
  new Gauge({
    name: 'sidebar_refresh_in_progress_since_timestamp_seconds',
    aggregator: 'min',
    help: 'When the oldest refresh call in flight of each trigger started (Unix time); absent when none is: a refresh that hangs shows here before it ends',
    labelNames: ['trigger'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [trigger, started] of Object.entries(sidebar?.refreshingSince() ?? {})) if (started !== undefined) this.set({ trigger }, started / 1000);
    },
  });
  new Gauge({
    name: 'sidebar_served_version',
    aggregator: 'min',
    help: 'The sidebar version this instance serves (the refresh that made it; the oldest of its workers); absent before the first, or while serving the fallback',
    registers: [registry],
    collect() {
      const served = sidebar?.served();
      if (served) this.set(served.version);
    },
  });
  new Gauge({
    name: 'sidebar_served_refreshed_timestamp_seconds',
    aggregator: 'min',
    help: 'When the sidebar version this instance serves was refreshed (Unix time; the oldest of its workers): behind the newest instance, it lags',
    registers: [registry],
    collect() {
      const at = sidebar?.served()?.refreshedAt;
      if (at != null) this.set(at / 1000);
    },
  });
  if (options.settings) {
    new Gauge({
      name: 'sidebar_refresh_alert_threshold_seconds',
      aggregator: 'max',
      help: 'A refresh slower than this counts in sidebar_refresh_alerts_total (SIDEBAR_REFRESH_ALERT_SECONDS)',
      registers: [registry],
    }).set(options.settings.refreshAlertSeconds);
    new Gauge({
      name: 'sidebar_refresh_interval_seconds',
      aggregator: 'max',
      help: 'How often the scheduler refreshes the view (SIDEBAR_REFRESH_INTERVAL_SECONDS)',
      registers: [registry],
    }).set(options.settings.refreshIntervalSeconds);
  }
  new Gauge({
    name: 'sidebar_build_info',
    aggregator: 'max',
    help: 'The running build: version (package.json) and Node.js version; always 1',
    labelNames: ['version', 'node'],
    registers: [registry],
  }).set({ version: options.version ?? 'unknown', node: process.version }, 1);
  new Gauge({
    name: 'sidebar_db_pool_connections',
    help: 'Connections of the database pool, by state (idle, busy); PostgreSQL only',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const pool = infrastructure?.pool();
      if (!pool) return;
      this.set({ state: 'idle' }, pool.idle);
      this.set({ state: 'busy' }, pool.total - pool.idle);
    },
  });
  new Gauge({
    name: 'sidebar_db_pool_waiting_requests',
    help: 'Queries waiting for a connection of the database pool; PostgreSQL only',
    registers: [registry],
    collect() {
      const pool = infrastructure?.pool();
      if (pool) this.set(pool.waiting);
    },
  });
  new Gauge({
    name: 'sidebar_cache_connected',
    aggregator: 'min',
    help: '1 while the shared cache (Redis) is connected; the in-process cache always is',
    labelNames: ['backend'],
    registers: [registry],
    collect() {
      if (infrastructure) this.set({ backend: infrastructure.cacheBackend }, infrastructure.cacheConnected() ? 1 : 0);
    },
  });
  new Gauge({
    name: 'sidebar_scheduler_running',
    aggregator: 'max',
    help: '1 while the refresh scheduler runs',
    registers: [registry],
    collect() {
      if (scheduler) this.set(scheduler().running ? 1 : 0);
    },
  });
  new Gauge({
    name: 'sidebar_scheduler_next_run_timestamp_seconds',
    aggregator: 'max',
    help: 'When the scheduler refreshes next (Unix time)',
    registers: [registry],
    collect() {
      const next = scheduler?.().next_run_at;
      if (next) this.set(Date.parse(next) / 1000);
    },
  });
  new Gauge({
    name: 'sidebar_scheduler_last_run_timestamp_seconds',
    aggregator: 'max',
    help: 'When the scheduler last ran (Unix time)',
    registers: [registry],
    collect() {
      const last = scheduler?.().last_run_at;
      if (last) this.set(Date.parse(last) / 1000);
    },
  });

  new Gauge({
    name: 'sidebar_stream_clients',
    help: 'Server-Sent Events clients of GET /sidebar/stream on this instance',
    registers: [registry],
    collect() {
      if (stream) this.set(stream().clients);
    },
  });
  new Gauge({
    name: 'sidebar_stream_max_clients',
    help: 'How many stream clients this instance takes (STREAM_MAX_CLIENTS per worker, summed)',
    registers: [registry],
    collect() {
      if (stream) this.set(stream().maxClients);
    },
  });
  new Counter({
    name: 'sidebar_stream_dropped_total',
    help: 'Stream clients dropped for not reading (more than 1 MiB waiting)',
    registers: [registry],
    collect() {
      if (!stream) return;
      this.reset();
      this.inc(stream().dropped);
    },
  });

  const newWindow = () => hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 2 });
  let current = newWindow();
  let previous = newWindow();
  let windowStart = Date.now();
  const rotate = () => {
    if (Date.now() - windowStart < windowMs) return;
    previous = current;
    current = newWindow();
    windowStart = Date.now();
  };

  return {
    registry,
    httpDuration,
    /** The sidebar fast path: two cheap records (a bucket count, an HDR value), labels bound in advance. */
    observeHotPath(status: 200 | 304, seconds: number) {
      hotPath[status].observe(seconds);
      current.recordValue(Math.max(1, Math.round(seconds * 1e6)));
    },
    /** Any other sidebar answer (through Fastify). */
    observeSidebar(seconds: number) {
      current.recordValue(Math.max(1, Math.round(seconds * 1e6)));
    },
    observeRefresh(result: { status: string; trigger: string; duration_ms: number; alert_triggered: boolean }) {
      refreshes.inc({ status: result.status, trigger: result.trigger });
      if (result.status === 'success') refreshDuration.observe({ trigger: result.trigger }, result.duration_ms / 1000);
      if (result.alert_triggered) alerts.inc();
    },
    countColdRefusal(scope: 'address' | 'process') {
      coldRefusals.inc({ scope });
    },
    observePurge(outcome: 'ok' | 'failed') {
      purges.inc({ outcome });
    },
    bindSidebar(readings: SidebarReadings) {
      sidebar = readings;
    },
    bindInfrastructure(readings: InfrastructureReadings) {
      infrastructure = readings;
    },
    bindScheduler(reading: SchedulerReading) {
      scheduler = reading;
    },
    bindStream(reading: StreamReading) {
      stream = reading;
    },
    /** p50/p95/p99 in milliseconds over the last 10-20 minutes, null before the first request. */
    sidebarLatencyMs() {
      rotate();
      const merged = newWindow();
      merged.add(previous);
      merged.add(current);
      const count = merged.totalCount;
      const at = (p: number) => (count ? Math.round(merged.getValueAtPercentile(p)) / 1000 : null);
      return { count, p50: at(50), p95: at(95), p99: at(99) };
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
