import { Type } from '@sinclair/typebox';
import fp from 'fastify-plugin';
import { ErrorRef, paths, RefreshLog, RegionSidebar, Sidebar, SidebarQuery, Stats, StatsQuery } from '../contract/index.js';
import { HttpError } from '../http/errors.js';
import { coldRefusalMessages } from './cold-budget.js';
import { sidebarReply } from './respond.js';
import { sidebarCacheKeys } from './service.js';
import type { Snapshot } from './snapshot.js';
import { variantOf } from './variants/query.js';

const security = [{ bearerAuth: [] }];

const errorResponses = { 400: ErrorRef, 401: ErrorRef, 403: ErrorRef, 429: ErrorRef, 500: ErrorRef, 503: ErrorRef } as const;

/**
 * What routing and validating a request costs besides its handler (a kept variant's whole answer
 * through the route measures about 0.045 ms: `npm run bench:derive`), charged to the cold budget
 * with the handler's own time, so an address sending URLs the hot path does not know pays for
 * them even when no variant is built.
 */
const routingMs = 0.05;

/** HTTP status for a refresh outcome; the body is the log row in every case. */
const refreshStatusCode = { success: 200, skipped: 409, error: 500 } as const;

/** The sidebar's routes; they only orchestrate the sidebar service, repository, scheduler and metrics. */
export const sidebarRoutes = fp(
  async (app) => {
    const { sidebarService, sidebarRepository, refreshLoop, changeLoop, metrics, cache, config, coldBudget } = app;

    /** Called before a variant is derived for a request: refuses it, with when to come back, once the budget is spent. */
    function admitCold(address: string): void {
      const admission = coldBudget.admit(address);
      if (admission.ok) return;
      metrics.countColdRefusal(admission.scope);
      const headers = { 'retry-after': String(admission.retryAfterSeconds), 'cache-control': 'no-store' };
      throw new HttpError(admission.scope === 'address' ? 429 : 503, coldRefusalMessages[admission.scope], headers);
    }

    app.get<{ Querystring: SidebarQuery }>(
      paths.sidebar,
      {
        schema: {
          tags: ['sidebar'],
          summary: 'The navigation sidebar: sports and leagues with open and live game counts, in display order',
          description:
            'Served from pre-built bytes when possible (X-Cache: HIT, MISS, or STALE with Age when a newer version could not be loaded or the database cannot confirm the copy is current, refreshed_at in the body saying how old the data is; Server-Timing names the layer: memory, cache or database). Strong ETag (If-None-Match → 304), br/gzip/identity by Accept-Encoding. force_refresh=true bypasses every cache and needs admin credentials.',
          querystring: SidebarQuery,
          response: { 200: Type.Union([Sidebar, RegionSidebar]), ...errorResponses },
        },
        // The hottest route: no per-request access log (errors are still logged); latency goes to metrics.
        logLevel: 'warn',
        // The bytes come pre-compressed.
        compress: false,
        // The sidebar's fixed headers (snapshot.ts), the same on the hot path.
        helmet: false,
        onResponse: async (_request, reply) => {
          metrics.observeSidebar(reply.elapsedTime / 1000);
        },
      },
      async (request, reply) => {
        const started = performance.now();
        const bypassCache = request.query.force_refresh === true;
        // Bypassing the cache costs a database query, so only admins may.
        if (bypassCache) await app.requireAdmin(request, reply);
        const result = await sidebarService.getSidebar({ bypassCache });
        request.answerLayer = result.layer;
        // The variant asked for, from the same version; a forced read's URL is not for the hot path.
        // A URL with a query string the hot path did not know is cold work, within the budget.
        const cold = !bypassCache && request.url.includes('?');
        const coldStarted = performance.now();
        let snapshot: Snapshot;
        try {
          snapshot = sidebarService.variant(
            result,
            variantOf(request.query),
            bypassCache ? undefined : request.url,
            cold ? () => admitCold(request.ip) : undefined,
          );
        } finally {
          if (cold) coldBudget.spend(request.ip, performance.now() - coldStarted + routingMs);
        }
        const answer = sidebarReply(
          snapshot,
          {
            acceptEncoding: request.headers['accept-encoding'],
            ifNoneMatch: request.headers['if-none-match'],
            ifModifiedSince: request.headers['if-modified-since'],
          },
          result.layer,
          performance.now() - started,
          result.stale ? { ageSeconds: (Date.now() - result.loadedAt) / 1000 } : undefined,
        );
        reply.code(answer.status);
        for (let i = 0; i < answer.headers.length; i += 2) reply.header(answer.headers[i] as string, answer.headers[i + 1]);
        // An admin's forced read is not for shared caches (nor to replace what they hold).
        if (bypassCache) reply.header('cache-control', 'private, no-store');
        return reply.send(answer.body ?? undefined);
      },
    );

    app.post(
      paths.refresh,
      {
        onRequest: app.requireAdmin,
        // Counted after authentication (preHandler; requireAdmin runs onRequest): anonymous requests get
        // their 401 without using up the admins' allowance behind a shared address.
        config: { rateLimit: { max: config.refreshRateLimitPerMinute, timeWindow: 60_000, hook: 'preHandler' } },
        schema: {
          tags: ['admin'],
          summary: 'Refresh sidebar_data now; the new version replaces the cached one everywhere',
          description: 'Answers with the refresh log row: 200 success, 409 skipped (another refresh is running), 500 error (the previous view is kept).',
          security,
          response: { ...errorResponses, 200: RefreshLog, 409: RefreshLog, 500: RefreshLog },
        },
      },
      async (_request, reply) => {
        const result = await sidebarService.refresh('manual');
        return reply.code(refreshStatusCode[result.status]).send(result);
      },
    );

    app.get<{ Querystring: StatsQuery }>(
      paths.stats,
      {
        onRequest: app.requireAdmin,
        schema: {
          tags: ['admin'],
          summary: 'Refresh history, scheduler, cache and latency figures',
          security,
          querystring: StatsQuery,
          response: { 200: Stats, ...errorResponses },
        },
      },
      async (request) => {
        const [recent, last24h, view, instances] = await Promise.all([
          sidebarRepository.recentRefreshes(request.query.recent),
          sidebarRepository.refreshSummary(24),
          sidebarRepository.viewState(),
          // Not known is an answer: a Redis that does not answer must not fail /stats.
          cache.listeners(sidebarCacheKeys(config.cacheKeyPrefix).versions).catch(() => null),
        ]);
        const latency = metrics.sidebarLatencyMs();
        const { memory, cache: shared, database, stale, errors } = sidebarService.counters;
        const hits = memory + shared;
        const misses = database;
        const lastSuccess = view.last_success_at;
        return {
          refreshes: {
            recent,
            last_24h: last24h,
            last_success_at: lastSuccess?.toISOString() ?? null,
            view_age_seconds: lastSuccess ? Math.round((Date.now() - lastSuccess.getTime()) / 100) / 10 : null,
            view_populated: view.populated,
          },
          scheduler: refreshLoop.state(),
          changes: changeLoop.state(),
          // Registered after these routes: looked up when asked.
          stream: app.streamHub.state(),
          cache: {
            backend: cache.backend,
            connected: cache.isConnected(),
            subscribed: cache.isSubscribed(),
            instances,
            hits,
            misses,
            errors,
            layers: { memory, cache: shared, database, stale },
            hit_ratio: hits + misses ? Math.round((hits / (hits + misses)) * 1e4) / 1e4 : null,
            ttl_seconds: config.cacheTtlSeconds,
          },
          requests: { sidebar_latency_ms: latency },
        };
      },
    );
  },
  { name: 'sidebar-routes', fastify: '5.x', dependencies: ['sidebar', 'scheduler', 'auth', 'observability'] },
);
