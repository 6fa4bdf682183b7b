import type { IncomingMessage, ServerResponse } from 'node:http';
import fp from 'fastify-plugin';
import type { Config } from '../config/index.js';
import { type ColdBudget, createColdBudget } from './cold-budget.js';
import { createSidebarHotPath } from './hot-path.js';
import { createSidebarRepository, type SidebarRepository } from './repository.js';
import { createSidebarService, type SidebarService, type SidebarServiceConfig, sidebarCacheKeys } from './service.js';
import { createVersionWatcher, type VersionWatcher } from './version-watcher.js';

declare module 'fastify' {
  interface FastifyInstance {
    sidebarRepository: SidebarRepository;
    sidebarService: SidebarService;
    sidebarVersions: VersionWatcher;
    /** What this process may still spend on variants it does not keep, per client address (cold-budget.ts). */
    coldBudget: ColdBudget;
  }
}

/** Where the node:http server looks for the hot path; filled in by this plugin. */
export interface HotPathSlot {
  handle: ((req: IncomingMessage, res: ServerResponse) => boolean) | null;
}

export interface SidebarPluginOptions {
  config: SidebarServiceConfig & Pick<Config, 'versionPollMs' | 'databaseRefreshTimeoutMs' | 'coldBudgetMsPerSecond' | 'trustProxy'>;
  /** Set to serve plain sidebar GETs before Fastify (the server's hot path); absent in the CLI. */
  hotPath?: HotPathSlot;
  /** Poll the database for versions made elsewhere (a serving process); false in the CLI. */
  watchVersions: boolean;
}

/**
 * The sidebar core: the repository (SQL), the version watcher, the service (process copy →
 * shared cache → view → fallback, and refresh) and the hot path. Routes are registered apart
 * (routes.ts), once the scheduler they report on exists.
 */
export const sidebarPlugin = fp<SidebarPluginOptions>(
  async (app, { config, hotPath, watchVersions }) => {
    const { db, cache, metrics, dbStartup } = app;
    const { dbRead } = app;
    const repository = createSidebarRepository(db, { refreshTimeoutMs: config.databaseRefreshTimeoutMs, reads: dbRead });
    const versions = createVersionWatcher({
      read: () => repository.readVersion(),
      intervalMs: config.versionPollMs,
      log: app.log,
      replicaReads: dbRead !== db,
      wakeups: app.dbWakeups,
    });
    const service = createSidebarService({
      repository,
      cache,
      versions,
      schema: dbStartup,
      log: app.log,
      config,
      onRefresh: (result) => metrics.observeRefresh(result),
    });

    const coldBudget = createColdBudget({ msPerSecond: config.coldBudgetMsPerSecond });

    app.decorate('sidebarRepository', repository);
    app.decorate('coldBudget', coldBudget);
    app.decorate('sidebarService', service);
    app.decorate('sidebarVersions', versions);

    let lastSuccessAt: Date | null = null;
    metrics.bindSidebar({
      answers: () => service.counters,
      lastSuccessAt: async () => {
        // While the database cannot be read, the age keeps growing from the last refresh seen:
        // an operator must see the data getting older during an outage, not a frozen figure.
        try {
          lastSuccessAt = (await repository.viewState()).last_success_at;
        } catch {}
        return lastSuccessAt;
      },
      refreshingSince: () => service.refreshingSince(),
      served: () => service.served(),
    });

    if (hotPath) {
      hotPath.handle = createSidebarHotPath({
        service,
        coldBudget,
        trustProxy: config.trustProxy,
        observe: (status, seconds) => metrics.observeHotPath(status, seconds),
        refused: () => metrics.countColdRefusal('address'),
        crossOriginToFastify: config.corsOrigins.length > 0,
      });
      // Closing: every request goes through Fastify, which answers 503 in the error shape.
      app.addHook('preClose', async () => {
        hotPath.handle = null;
      });
    }
    if (watchVersions) {
      // New versions announced by the instance that made them (Redis pub/sub; in memory, this
      // process): every instance switches within milliseconds. The version poll below stays,
      // for refreshes made outside the service (psql, pg_cron) and while the subscription is down.
      const unsubscribe = cache.subscribe(sidebarCacheKeys(config.cacheKeyPrefix).versions, (message) => service.versionAnnounced(message));
      app.addHook('preClose', () => unsubscribe());
      // Once the schema is ready (at once, unless the server started while PostgreSQL was down):
      // a poll before the migrations ran would fail and mark every answer stale for nothing.
      app.addHook('onReady', async () => dbStartup.onReady(() => versions.start()));
      // preClose: before the database closes (onClose), so no poll runs against a closed pool.
      app.addHook('preClose', () => versions.stop());
    }
  },
  { name: 'sidebar', fastify: '5.x', dependencies: ['db', 'cache', 'observability'] },
);
