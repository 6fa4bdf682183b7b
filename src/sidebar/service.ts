import type { FastifyBaseLogger } from 'fastify';
import type { Cache } from '../cache/index.js';
import type { Config } from '../config/index.js';
import type { Metrics } from '../observability/metrics.js';
import { buildSidebar, type SidebarSource } from './hierarchy.js';
import { createLocalCopy, type LocalCopyResult } from './local-copy.js';
import type { RefreshLogRow, RefreshTrigger, SidebarRepository } from './repository.js';
import { buildSnapshot } from './snapshot.js';

export interface LayerCounters {
  /** Answered from this process's copy. */
  memory: number;
  /** Answered from the shared cache (Redis, or the in-process cache backend). */
  cache: number;
  /** Answered from the database. */
  database: number;
  /** Of the memory answers, those served past the copy's TTL while it reloaded. */
  stale: number;
  /** Failed cache reads and writes (the request went on to the database). */
  errors: number;
}

export interface SidebarServiceDeps {
  repository: SidebarRepository;
  cache: Cache;
  log: FastifyBaseLogger;
  config: Pick<Config, 'cacheKeyPrefix' | 'cacheTtlSeconds' | 'fallbackCacheTtlSeconds' | 'refreshAlertSeconds' | 'localCopyTtlMs'>;
  metrics?: Pick<Metrics, 'observeRefresh'>;
}

/** Bump when the response shape changes, so instances never read each other's old bodies. */
const cacheSchemaVersion = 'v1';

export function sidebarCacheKey(prefix: string): string {
  return `${prefix}:${cacheSchemaVersion}:sidebar`;
}

/**
 * The sidebar read path (this process's copy of the bytes, then the shared cache, then the
 * materialized view, then the fallback aggregation) and the refresh path (refresh the view,
 * then invalidate the caches).
 */
export function createSidebarService({ repository, cache, log, config, metrics }: SidebarServiceDeps) {
  const key = sidebarCacheKey(config.cacheKeyPrefix);
  const counters: LayerCounters = { memory: 0, cache: 0, database: 0, stale: 0, errors: 0 };
  // Concurrent database loads share one query.
  let dbLoad: Promise<{ body: string; source: SidebarSource }> | null = null;

  async function readCache(): Promise<string | null> {
    // A disconnected Redis would fail at once anyway; skipping it keeps the log quiet.
    if (!cache.isConnected()) return null;
    try {
      return await cache.get(key);
    } catch (err) {
      counters.errors++;
      log.debug({ err, cache: cache.backend }, 'sidebar cache read failed; reading the database');
      return null;
    }
  }

  async function writeCache(body: string, ttlSeconds: number): Promise<void> {
    if (!cache.isConnected()) return;
    try {
      await cache.set(key, body, ttlSeconds);
    } catch (err) {
      counters.errors++;
      log.debug({ err, cache: cache.backend }, 'sidebar cache write failed');
    }
  }

  async function loadFromDatabase(): Promise<{ body: string; source: SidebarSource }> {
    let source: SidebarSource = 'materialized_view';
    let rows: Awaited<ReturnType<SidebarRepository['readView']>>;
    let refreshedAt: Date | null;
    try {
      [rows, { last_success_at: refreshedAt }] = await Promise.all([repository.readView(), repository.viewState()]);
    } catch (err) {
      // Missing, unpopulated or failing view: compute the same aggregation from odds_events.
      log.warn({ err: (err as Error).message }, 'sidebar_data unavailable; serving the fallback aggregation');
      source = 'fallback';
      rows = await repository.readSource();
      refreshedAt = new Date();
    }
    const body = JSON.stringify(buildSidebar(rows, { source, refreshedAt }));
    // A fallback is costly and temporary: cache it briefly so the view takes over soon.
    await writeCache(body, source === 'fallback' ? config.fallbackCacheTtlSeconds : config.cacheTtlSeconds);
    return { body, source };
  }

  function loadFromDatabaseOnce() {
    dbLoad ??= loadFromDatabase().finally(() => {
      dbLoad = null;
    });
    return dbLoad;
  }

  const localCopy = createLocalCopy({
    ttlMs: config.localCopyTtlMs,
    onBackgroundError: (err) => log.warn({ err }, 'background reload of the sidebar failed; serving the previous copy'),
    async load({ bypassCache }) {
      const cached = bypassCache ? null : await readCache();
      if (cached !== null) {
        log.debug({ cache: 'HIT', backend: cache.backend }, 'sidebar cache hit');
        return { snapshot: buildSnapshot(cached), origin: 'cache' };
      }
      log.debug({ cache: 'MISS', backend: cache.backend, bypass: bypassCache }, 'sidebar cache miss');
      const { body } = await loadFromDatabaseOnce();
      return { snapshot: buildSnapshot(body), origin: 'database' };
    },
  });

  function count(result: LocalCopyResult): LocalCopyResult {
    counters[result.layer]++;
    if (result.stale) counters.stale++;
    return result;
  }

  async function invalidate(): Promise<void> {
    localCopy.invalidate();
    try {
      await cache.del(key);
    } catch (err) {
      counters.errors++;
      // The entry then expires on its TTL; worth a warning, since readers may see old data until then.
      log.warn({ err, cache: cache.backend }, 'sidebar cache invalidation failed');
    }
  }

  return {
    counters,

    /** The hot path's only question: fresh bytes in this process, or null. No I/O. */
    peekFresh() {
      return localCopy.peekFresh();
    },

    /** Counts an answer the hot path gave from peekFresh(). */
    countMemoryHit() {
      counters.memory++;
    },

    async getSidebar(options: { bypassCache?: boolean } = {}): Promise<LocalCopyResult> {
      return count(options.bypassCache ? await localCopy.reload() : await localCopy.get());
    },

    /** Runs refresh_sidebar_data() and, when it changed the view, invalidates the caches. */
    async refresh(trigger: RefreshTrigger, minIntervalSeconds: number | null = null): Promise<RefreshLogRow> {
      const result = await repository.refresh(trigger, config.refreshAlertSeconds, minIntervalSeconds);
      metrics?.observeRefresh(result);
      const fields = {
        refresh: {
          id: result.id,
          trigger,
          status: result.status,
          duration_ms: result.duration_ms,
          row_count: result.row_count,
        },
      };
      if (result.status === 'success') await invalidate();
      if (result.alert_triggered) {
        log.warn({ ...fields, alert_threshold_ms: result.alert_threshold_ms }, 'sidebar refresh was slower than the alert threshold');
      } else if (result.status === 'error') {
        log.error({ ...fields, error: result.error_message }, 'sidebar refresh failed; the previous view is kept');
      } else {
        log.info(fields, `sidebar refresh ${result.status}`);
      }
      return result;
    },

    invalidate,
  };
}

export type SidebarService = ReturnType<typeof createSidebarService>;
