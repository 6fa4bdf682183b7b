import { readFileSync } from 'node:fs';
import fp from 'fastify-plugin';
import { bearerChallenge } from '../auth/plugin.js';
import { bearerToken, constantTimeEqual } from '../auth/verify.js';
import type { Config } from '../config/index.js';
import { paths } from '../contract/index.js';
import { HttpError } from '../http/errors.js';
import type { Layer } from '../sidebar/process-copy.js';
import { clusterMetricsSource } from './cluster.js';
import { createMetrics, type Metrics } from './metrics.js';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics;
  }
  interface FastifyRequest {
    /** Set by the sidebar route: which layer answered, for the request-duration metric. */
    answerLayer: Layer | null;
  }
}

/** The service's version, for sidebar_build_info: package.json's, read once. */
const packageVersion = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/**
 * Decorates `metrics` (prom-client, in a registry of this app's own), records every
 * request through Fastify by route, method, status and answering layer, and serves
 * GET /metrics in Prometheus text format, behind METRICS_TOKEN when it is set.
 */
export const observabilityPlugin = fp<{ config: Pick<Config, 'metricsToken' | 'refreshAlertSeconds' | 'refreshIntervalSeconds'> }>(
  async (app, { config }) => {
    const metrics = createMetrics({
      defaultMetrics: true,
      version: packageVersion,
      settings: { refreshAlertSeconds: config.refreshAlertSeconds, refreshIntervalSeconds: config.refreshIntervalSeconds },
    });
    app.decorate('metrics', metrics);
    metrics.bindInfrastructure({
      pool: () => app.db.poolStats?.() ?? null,
      cacheBackend: app.cache.backend,
      cacheConnected: () => app.cache.isConnected(),
    });
    // With WEB_CONCURRENCY workers, every worker's metrics, gathered by the primary (cluster.ts).
    const instanceMetrics = clusterMetricsSource(metrics.registry);
    app.decorateRequest('answerLayer', null);

    // The sidebar fast path records its own answers; this sees everything that reaches Fastify.
    app.addHook('onResponse', async (request, reply) => {
      metrics.httpDuration.observe(
        { route: request.routeOptions.url ?? 'unmatched', method: request.method, status_code: String(reply.statusCode), layer: request.answerLayer ?? 'none' },
        reply.elapsedTime / 1000,
      );
    });

    app.get(
      paths.metrics,
      { logLevel: 'warn', schema: { tags: ['health'], summary: 'Prometheus metrics (Bearer METRICS_TOKEN when configured)' } },
      async (request, reply) => {
        if (config.metricsToken) {
          const token = bearerToken(request.headers.authorization);
          if (!token || !constantTimeEqual(token, config.metricsToken)) {
            throw new HttpError(401, 'metrics need Authorization: Bearer <METRICS_TOKEN>', bearerChallenge('metrics', token !== null));
          }
        }
        if (!instanceMetrics) return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
        try {
          return reply.type(metrics.registry.contentType).send(await instanceMetrics());
        } catch (err) {
          // One worker's figures would pass for the instance's: no answer is better.
          request.log.warn({ err: (err as Error).message }, "cannot gather the workers' metrics");
          throw new HttpError(503, "The workers' metrics could not be gathered; retry", { 'retry-after': '1' });
        }
      },
    );
  },
  { name: 'observability', fastify: '5.x', dependencies: ['errors', 'db', 'cache'] },
);
