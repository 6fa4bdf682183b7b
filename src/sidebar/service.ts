import type { FastifyBaseLogger } from 'fastify';
import type { Cache } from '../cache/index.js';
import type { Config } from '../config/index.js';
import type { SchemaState } from '../db/startup.js';
import { createAnnouncements } from './announcements.js';
import { createReadPath, type LayerCounters } from './read-path.js';
import { createRefreshes } from './refreshes.js';
import type { RefreshLogRow, SidebarRepository } from './repository.js';
import { createSharedCache, sidebarCacheKeys } from './shared-cache.js';
import type { CachePolicy } from './snapshot.js';
import type { VersionWatcher } from './version-watcher.js';

export type { LayerCounters } from './read-path.js';
export { sidebarCacheKeys } from './shared-cache.js';

/** The settings the sidebar service reads. */
export type SidebarServiceConfig = Pick<
  Config,
  | 'cacheKeyPrefix'
  | 'cacheTtlSeconds'
  | 'fallbackCacheTtlSeconds'
  | 'refreshAlertSeconds'
  | 'httpCacheControl'
  | 'corsOrigins'
  | 'cdnSurrogateKey'
  | 'variantsMax'
  | 'defaultLanguage'
>;

export interface SidebarServiceDeps {
  repository: SidebarRepository;
  cache: Cache;
  versions: VersionWatcher;
  /** Whether the database may be read yet (a serving process prepares it in the background). */
  schema: Pick<SchemaState, 'isReady' | 'status'>;
  log: FastifyBaseLogger;
  config: SidebarServiceConfig;
  /** Told of every refresh outcome (metrics). */
  onRefresh?: (result: RefreshLogRow) => void;
}

/**
 * The sidebar service: the read path (read-path.ts), the refreshes this process runs
 * (refreshes.ts) and the announcements of new versions between instances (announcements.ts),
 * over one shared cache (shared-cache.ts) and one version watcher.
 */
export function createSidebarService({ repository, cache, versions, schema, log, config, onRefresh }: SidebarServiceDeps) {
  const keys = sidebarCacheKeys(config.cacheKeyPrefix);
  const counters: LayerCounters = { memory: 0, cache: 0, database: 0, stale: 0, errors: 0 };
  const shared = createSharedCache({
    cache,
    log,
    onError: () => {
      counters.errors++;
    },
  });
  const policy: CachePolicy = {
    cacheControl: config.httpCacheControl,
    // Answers differ by Origin once CORS is on (hot-path.ts leaves cross-origin requests to it).
    vary: config.corsOrigins.length > 0 ? 'accept-encoding, origin' : 'accept-encoding',
    surrogateKeys: [config.cdnSurrogateKey],
    contentLanguage: config.defaultLanguage,
  };
  const reads = createReadPath({
    repository,
    shared,
    keys,
    versions,
    schema,
    log,
    counters,
    policy,
    cdnSurrogateKey: config.cdnSurrogateKey,
    cacheTtlSeconds: config.cacheTtlSeconds,
    fallbackCacheTtlSeconds: config.fallbackCacheTtlSeconds,
    variantsMax: config.variantsMax,
  });
  const announcements = createAnnouncements({ shared, keys, versions, preload: reads.preload });
  const refreshes = createRefreshes({
    repository,
    log,
    alertSeconds: config.refreshAlertSeconds,
    onRefresh,
    onSuccess(version) {
      versions.made(version);
      announcements.announce(version);
    },
  });

  return {
    counters,
    peekFresh: reads.peekFresh,
    getSidebar: reads.getSidebar,
    /**
     * The bytes of a variant (window=live, …) of a version (a read's bytes and basis), derived
     * once per version; `url` (a request's raw URL) lets the hot path find them for that URL next
     * time; `beforeBuild` is called before a derivation, and may refuse it by throwing.
     */
    variant: reads.variant,
    /** The variant a read answers (its language resolved); throws UnknownJurisdictionError for a jurisdiction it does not know. */
    resolve: reads.resolve,
    /** The hot path's lookup of a URL with a query string: its variant's bytes for this full snapshot, or null. No I/O. */
    peekVariant: reads.peekVariant,
    variantCount: reads.variantCount,
    served: reads.served,
    /** Counts an answer the hot path gave from peekFresh(). */
    countMemoryHit() {
      counters.memory++;
    },
    /**
     * Drops this process's copy and the shared entries of the current version and of the
     * fallback, so the next read goes to the database (after repairs made behind the service's
     * back, such as a view dropped and re-created).
     */
    invalidate: reads.invalidate,
    /** A version announced by the instance that made it: known at once, and loaded in the background. */
    versionAnnounced: announcements.heard,
    refresh: refreshes.refresh,
    refreshIfChanged: refreshes.refreshIfChanged,
    refreshingSince: refreshes.refreshingSince,
    onRefresh: refreshes.onRefresh,
  };
}

export type SidebarService = ReturnType<typeof createSidebarService>;
