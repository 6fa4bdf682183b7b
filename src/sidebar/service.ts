import type { FastifyBaseLogger } from 'fastify';
import type { Cache } from '../cache/index.js';
import type { Config } from '../config/index.js';
import { buildSidebar, type SidebarSource } from './hierarchy.js';
import type { RefreshLogRow, RefreshTrigger, SidebarRepository } from './repository.js';

export type CacheStatus = 'HIT' | 'MISS';

export interface SidebarResult {
  /** The serialised response body, exactly as cached and sent. */
  body: string;
  cache: CacheStatus;
  source?: SidebarSource;
}

export interface CacheCounters {
  hits: number;
  misses: number;
  errors: number;
}

export interface SidebarServiceDeps {
  repository: SidebarRepository;
  cache: Cache;
  log: FastifyBaseLogger;
  config: Pick<Config, 'cacheKeyPrefix' | 'cacheTtlSeconds' | 'fallbackCacheTtlSeconds' | 'refreshAlertSeconds'>;
}

/** Bump when the response shape changes, so instances never read each other's old bodies. */
const cacheSchemaVersion = 'v1';

export function sidebarCacheKey(prefix: string): string {
  return `${prefix}:${cacheSchemaVersion}:sidebar`;
}

/**
 * The sidebar read path (cache, then the materialized view, then the fallback aggregation)
 * and the refresh path (refresh the view, then invalidate the cache).
 */
export function createSidebarService({ repository, cache, log, config }: SidebarServiceDeps) {
  const key = sidebarCacheKey(config.cacheKeyPrefix);
  const counters: CacheCounters = { hits: 0, misses: 0, errors: 0 };
  // Concurrent misses share one database load instead of stampeding the database.
  let inFlight: Promise<{ body: string; source: SidebarSource }> | null = null;

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

  function loadOnce() {
    inFlight ??= loadFromDatabase().finally(() => {
      inFlight = null;
    });
    return inFlight;
  }

  async function invalidate(): Promise<void> {
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

    async getSidebar(options: { bypassCache?: boolean } = {}): Promise<SidebarResult> {
      if (!options.bypassCache) {
        const cached = await readCache();
        if (cached !== null) {
          counters.hits++;
          log.debug({ cache: 'HIT', backend: cache.backend }, 'sidebar cache hit');
          return { body: cached, cache: 'HIT' };
        }
      }
      counters.misses++;
      log.debug({ cache: 'MISS', backend: cache.backend, bypass: Boolean(options.bypassCache) }, 'sidebar cache miss');
      const { body, source } = await loadOnce();
      return { body, cache: 'MISS', source };
    },

    /** Runs refresh_sidebar_data() and, when it changed the view, invalidates the cache. */
    async refresh(trigger: RefreshTrigger, minIntervalSeconds: number | null = null): Promise<RefreshLogRow> {
      const result = await repository.refresh(trigger, config.refreshAlertSeconds, minIntervalSeconds);
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
