import type { FastifyBaseLogger } from 'fastify';
import type { Cache } from '../cache/index.js';
import type { Config } from '../config/index.js';
import type { AnswerLayers, RefreshTrigger } from '../contract/index.js';
import { DatabaseStartingError, type SchemaState } from '../db/startup.js';
import { HttpError } from '../http/errors.js';
import { basisOf, buildSidebar, parseBasis, type SidebarBasis } from './hierarchy.js';
import { type CopyRead, createProcessCopy, type Loaded } from './process-copy.js';
import type { RefreshLogRow, SidebarRepository } from './repository.js';
import { buildSnapshot, type CachePolicy, type Snapshot } from './snapshot.js';
import { createVariantStore, deriveSidebar, resolveVariant, UnknownJurisdictionError, type Variant, type VariantBase } from './variants.js';
import type { VersionWatcher } from './version-watcher.js';

export interface LayerCounters extends AnswerLayers {
  /** Failed cache reads and writes (the request went on to the database). */
  errors: number;
}

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

/** Bump when what the cache holds changes shape, so instances never read each other's old values. v3: the basis (hierarchy.ts), not the body; v4: with the jurisdictions; v5: with its version. */
const cacheSchemaVersion = 'v5';
/** A fallback copy in this process is re-checked this often, so the view takes over soon after it recovers. */
const fallbackRecheckMs = 1000;
/** A database read that returns an older version than one already known is retried this often. */
const staleReadRetries = 2;

/**
 * Shared-cache keys. A version's basis never changes, so it is written under its own key and
 * never overwritten: a slow reader that finishes after a refresh can only write the old
 * version's key, which nobody who knows the new version reads.
 */
export function sidebarCacheKeys(prefix: string) {
  // {sidebar} is a Redis Cluster hash tag: every key in one slot, so deleting several at once
  // (invalidate) works on a cluster. A handful of keys, read once per version per process:
  // one shard holding them is no hot spot.
  const base = `${prefix}:${cacheSchemaVersion}:{sidebar}`;
  return {
    version: (v: number) => `${base}:${v}`,
    fallback: `${base}:fallback`,
    /** The newest version written, for an instance that starts while the database is down. */
    latest: `${base}:latest`,
    /** Pub/sub channel: each new version's number, so every instance switches at once, not at its next poll. */
    versions: `${base}:versions`,
  };
}

/**
 * The sidebar read path (this process's copy, then the shared cache, then the materialized
 * view, then the fallback aggregation), versioned end to end by the refresh that made the
 * data, and the refresh path.
 */
export function createSidebarService({ repository, cache, versions, schema, log, config, onRefresh }: SidebarServiceDeps) {
  const keys = sidebarCacheKeys(config.cacheKeyPrefix);
  const counters: LayerCounters = { memory: 0, cache: 0, database: 0, stale: 0, errors: 0 };
  const refreshListeners = new Set<(result: RefreshLogRow) => void>();
  // Concurrent database loads share one query.
  let dbLoad: Promise<Loaded> | null = null;
  // The bytes last built, reused when a load brings the same basis again (a fallback re-checked,
  // a version re-read after an invalidation): identical bytes are not compressed twice.
  let last: { text: string; built: VariantBase } | null = null;
  const policy: CachePolicy = {
    cacheControl: config.httpCacheControl,
    // Answers differ by Origin once CORS is on (fast-path.ts leaves cross-origin requests to it).
    vary: config.corsOrigins.length > 0 ? 'accept-encoding, origin' : 'accept-encoding',
    surrogateKeys: [config.cdnSurrogateKey],
    contentLanguage: config.defaultLanguage,
  };

  // Variants are derived from the basis of the full sidebar's version, once per version each.
  const variants = createVariantStore({
    max: config.variantsMax,
    build: (base, variant, key) =>
      key === ''
        ? base.snapshot
        : buildSnapshot(
            JSON.stringify(deriveSidebar(base.basis, variant)),
            {
              ...policy,
              // Purging the sidebar's tag purges every variant; a variant's own tag purges only it.
              surrogateKeys: [config.cdnSurrogateKey, `${config.cdnSurrogateKey}:${key}`],
              contentLanguage: variant.lang ?? config.defaultLanguage,
            },
            // A variant may be asked for once (tz alone has hundreds of values): compressed from its second answer.
            { deferCompression: true },
          ),
  });

  /** A basis (as the cache holds it: `text`, parsed by `basis` when needed) and the full sidebar's bytes built from it. */
  function built(text: string, basis: () => SidebarBasis): VariantBase {
    if (last?.text !== text) {
      const parsed = basis();
      last = { text, built: { basis: parsed, snapshot: buildSnapshot(JSON.stringify(buildSidebar(parsed)), policy) } };
    }
    return last.built;
  }

  /** A basis the shared cache gave, or null (a miss) when it is not one: a value this code did not write must not take the service down. */
  function builtFromCache(text: string): VariantBase | null {
    try {
      return built(text, () => parseBasis(text));
    } catch (err) {
      counters.errors++;
      log.warn({ err: (err as Error).message, cache: cache.backend }, 'sidebar cache entry is not a sidebar basis; reading the database');
      return null;
    }
  }

  /** Rows the database gave: their basis, its text for the cache, and the bytes. */
  function builtFromRows(rows: Parameters<typeof basisOf>[0], meta: Parameters<typeof basisOf>[1]): VariantBase & { text: string } {
    const basis = basisOf(rows, meta);
    const text = JSON.stringify(basis);
    return { ...built(text, () => basis), text };
  }

  async function readCache(key: string): Promise<string | null> {
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

  async function writeCache(key: string, body: string, ttlSeconds: number): Promise<void> {
    if (!cache.isConnected()) return;
    try {
      await cache.set(key, body, ttlSeconds);
    } catch (err) {
      counters.errors++;
      log.debug({ err, cache: cache.backend }, 'sidebar cache write failed');
    }
  }

  /** The same aggregation computed from odds_events now: costly, unversioned, cached briefly. */
  async function loadFallback(cause: unknown, bypassCache: boolean): Promise<Loaded> {
    log.warn({ err: (cause as Error).message }, 'sidebar_data unavailable; serving the fallback aggregation');
    const cached = bypassCache ? null : await readCache(keys.fallback);
    const hit = cached === null ? null : builtFromCache(cached);
    if (hit) return { ...hit, version: null, origin: 'cache' };
    const fresh = builtFromRows(await repository.readSource(), { source: 'fallback', refreshedAt: new Date(), version: null });
    void writeCache(keys.fallback, fresh.text, config.fallbackCacheTtlSeconds);
    return { snapshot: fresh.snapshot, basis: fresh.basis, version: null, origin: 'database' };
  }

  async function loadFromDatabase(bypassCache: boolean): Promise<Loaded> {
    for (let attempt = 0; ; attempt++) {
      let read: Awaited<ReturnType<SidebarRepository['readView']>>;
      try {
        read = await repository.readView();
      } catch (err) {
        // Missing, unpopulated or failing view.
        return loadFallback(err, bypassCache);
      }
      const version = read.version?.version ?? 0;
      versions.observe(version);
      // A refresh committed while this read ran, and this process already knows: read again.
      if (version < versions.current() && attempt < staleReadRetries) continue;
      const fresh = builtFromRows(read.rows, {
        source: 'materialized_view',
        refreshedAt: read.version?.refreshed_at ?? null,
        version: read.version?.version ?? null,
      });
      // Not awaited: a stalled cache must not hold the answer (writeCache never rejects).
      if (version > 0 && version >= versions.current()) {
        void writeCache(keys.version(version), fresh.text, config.cacheTtlSeconds);
        void writeCache(keys.latest, String(version), config.cacheTtlSeconds);
      }
      return { snapshot: fresh.snapshot, basis: fresh.basis, version, origin: 'database' };
    }
  }

  function loadFromDatabaseOnce(bypassCache: boolean): Promise<Loaded> {
    if (bypassCache) return loadFromDatabase(true);
    dbLoad ??= loadFromDatabase(false).finally(() => {
      dbLoad = null;
    });
    return dbLoad;
  }

  // Whether the database can say now which version is the newest (it is migrated, and its last read worked).
  const databaseAnswers = () => schema.isReady() && !versions.failing();

  const copy = createProcessCopy({
    currentVersion: versions.current,
    // When it cannot, copies are served all the same, marked stale.
    confirmed: databaseAnswers,
    fallbackRecheckMs,
    onLoadsFailing: (err) => log.warn({ err: (err as Error).message }, 'sidebar loads are failing; serving the copy held (if any) and retrying with backoff'),
    onLoadsRecovered: (failures) => log.info({ failures }, 'sidebar loads work again'),
    async load({ bypassCache }) {
      if (!bypassCache) {
        // Learn the version first (once, at start-up), so the shared cache can answer; while
        // the database cannot say (down at start-up), the newest one an instance wrote there.
        let version = versions.current() || (schema.isReady() ? await versions.check() : 0);
        // Only then: a database that answers "no version yet" (a fresh one) is believed over an old pointer.
        if (version === 0 && !databaseAnswers()) version = Number(await readCache(keys.latest)) || 0;
        const cached = version > 0 ? await readCache(keys.version(version)) : null;
        const hit = cached === null ? null : builtFromCache(cached);
        if (hit) {
          log.debug({ cache: 'HIT', backend: cache.backend, version }, 'sidebar cache hit');
          return { ...hit, version, origin: 'cache' };
        }
      }
      log.debug({ cache: 'MISS', backend: cache.backend, bypass: bypassCache, version: versions.current() }, 'sidebar cache miss');
      // Not connected and migrated yet: a 503 with Retry-After now, not a wait on a database that is down.
      if (!schema.isReady()) throw new DatabaseStartingError(schema.status().last_error);
      return loadFromDatabaseOnce(bypassCache);
    },
  });

  function count(result: CopyRead): CopyRead {
    counters[result.layer]++;
    if (result.stale) counters.stale++;
    return result;
  }

  // The refresh calls this process has in flight, by when each started: a refresh that hangs is
  // visible (sidebar_refresh_in_progress_since_timestamp_seconds) before it ends.
  const refreshing = new Map<symbol, { trigger: RefreshTrigger | 'change'; started: number }>();
  async function inFlight<T>(trigger: RefreshTrigger | 'change', call: () => Promise<T>): Promise<T> {
    const id = Symbol('refresh');
    refreshing.set(id, { trigger, started: Date.now() });
    try {
      return await call();
    } finally {
      refreshing.delete(id);
    }
  }

  /** Tells every instance of the new version (not awaited: polling is the backstop when this fails). */
  function announce(version: number): void {
    if (!cache.isConnected()) return;
    cache.publish(keys.versions, String(version)).catch((err) => {
      counters.errors++;
      log.debug({ err, cache: cache.backend }, 'announcing the new sidebar version failed; other instances find it by polling');
    });
  }

  /** What every refresh outcome does: metrics, the version it made, one log line, then the listeners. */
  function settled(result: RefreshLogRow): RefreshLogRow {
    onRefresh?.(result);
    const { trigger } = result;
    const fields = {
      refresh: {
        id: result.id,
        trigger,
        status: result.status,
        duration_ms: result.duration_ms,
        row_count: result.row_count,
      },
    };
    if (result.status === 'success') {
      versions.made(result.id);
      announce(result.id);
    }
    if (result.alert_triggered) {
      log.warn({ ...fields, alert_threshold_ms: result.alert_threshold_ms }, 'sidebar refresh was slower than the alert threshold');
    } else if (result.status === 'error') {
      log.error({ ...fields, error: result.error_message }, 'sidebar refresh failed; the previous view is kept');
    } else {
      log.info(fields, `sidebar refresh ${result.status}`);
    }
    for (const listener of refreshListeners) listener(result);
    return result;
  }

  /**
   * The variant `base` answers: a language without names is the default names' variant (bounded
   * by the languages configured); an unknown jurisdiction is the client's mistake, a 400 listing
   * the known ones, never the unfiltered tree.
   */
  function resolve(base: VariantBase, variant: Variant): Variant {
    try {
      return resolveVariant(variant, base.basis);
    } catch (err) {
      // Stryker disable next-line ConditionalExpression: resolveVariant throws nothing else today; anything else must stay a 500.
      if (err instanceof UnknownJurisdictionError) throw new HttpError(400, err.message);
      throw err;
    }
  }

  return {
    counters,

    /** The hot path's only question: bytes this process may serve now, or null. No I/O. */
    peekFresh() {
      return copy.peekFresh();
    },

    /**
     * A version announced by the instance that made it: known at once, and loaded in the
     * background, so the next request finds it ready. Anything but a version number is ignored.
     */
    versionAnnounced(message: string): void {
      const version = Number(message);
      if (!Number.isSafeInteger(version) || !versions.made(version)) return;
      copy.get().catch(() => {}); // reported through onLoadsFailing
    },

    /**
     * The bytes of a variant (window=live, …) of a version (a read's bytes and basis), derived
     * once per version; `url` (a request's raw URL) lets the hot path find them for that URL next
     * time; `beforeBuild` is called before a derivation, and may refuse it by throwing.
     */
    variant(base: VariantBase, variant: Variant, url?: string, beforeBuild?: () => void): Snapshot {
      return variants.get(base, resolve(base, variant), url, beforeBuild);
    },

    /** The variant a read answers (its language resolved), or a 400 for a jurisdiction it does not know. */
    resolve,

    /** The hot path's lookup of a URL with a query string: its variant's bytes for this full snapshot, or null. No I/O. */
    peekVariant(url: string, full: Snapshot): Snapshot | null {
      return variants.peek(url, full);
    },

    variantCount: () => variants.size(),

    /** The refresh calls this process has in flight: when the oldest of each trigger started (epoch ms). */
    refreshingSince(): Partial<Record<RefreshTrigger | 'change', number>> {
      const oldest: Partial<Record<RefreshTrigger | 'change', number>> = {};
      for (const { trigger, started } of refreshing.values()) oldest[trigger] = Math.min(oldest[trigger] ?? started, started);
      return oldest;
    },

    /** Tells `listener` of every refresh this process runs, after the service took its result in; returns the way to stop. */
    onRefresh(listener: (result: RefreshLogRow) => void): () => void {
      refreshListeners.add(listener);
      return () => refreshListeners.delete(listener);
    },

    /** The version this process serves and when it was refreshed (epoch ms, to the second); null: none yet, or the fallback. */
    served(): { version: number; refreshedAt: number | null } | null {
      const held = copy.held();
      if (held?.version == null) return null;
      // Stryker disable next-line StringLiteral: a versioned copy always has its refresh's time; '' only stands in for the type's null.
      const refreshedAt = Date.parse(held.snapshot.lastModified ?? '');
      return { version: held.version, refreshedAt: Number.isNaN(refreshedAt) ? null : refreshedAt };
    },

    /** Counts an answer the hot path gave from peekFresh(). */
    countMemoryHit() {
      counters.memory++;
    },

    async getSidebar(options: { bypassCache?: boolean } = {}): Promise<CopyRead> {
      return count(options.bypassCache ? await copy.reload() : await copy.get());
    },

    /** Runs refresh_sidebar_data(); a success is a new version, which every layer then serves. */
    async refresh(trigger: RefreshTrigger, minIntervalSeconds: number | null = null): Promise<RefreshLogRow> {
      return settled(await inFlight(trigger, () => repository.refresh(trigger, config.refreshAlertSeconds, minIntervalSeconds)));
    },

    /**
     * Refreshes if writes to odds_events (or the configuration) wait for one, at most once per
     * minGapSeconds across every instance; null when there was nothing to do (nothing logged).
     */
    async refreshIfChanged(minGapSeconds: number): Promise<RefreshLogRow | null> {
      const result = await inFlight('change', () => repository.refreshIfChanged(minGapSeconds, config.refreshAlertSeconds));
      return result && settled(result);
    },

    /**
     * Drops this process's copy and the shared entries of the current version and of the
     * fallback, so the next read goes to the database (after repairs made behind the service's
     * back, such as a view dropped and re-created).
     */
    async invalidate(): Promise<void> {
      copy.invalidate();
      try {
        await cache.del(keys.version(versions.current()), keys.fallback);
      } catch (err) {
        counters.errors++;
        log.warn({ err, cache: cache.backend }, 'sidebar cache invalidation failed');
      }
    },
  };
}

export type SidebarService = ReturnType<typeof createSidebarService>;
