import type { FastifyBaseLogger } from 'fastify';
import type { AnswerLayers } from '../contract/index.js';
import { DatabaseStartingError, type SchemaState } from '../db/startup.js';
import { basisOf, buildSidebar, parseBasis, type SidebarBasis } from './hierarchy.js';
import { type CopyRead, createProcessCopy, type Loaded } from './process-copy.js';
import type { SidebarRepository } from './repository.js';
import type { SharedCache, SidebarCacheKeys } from './shared-cache.js';
import { buildSnapshot, type CachePolicy, type Snapshot } from './snapshot.js';
import { deriveSidebar } from './variants/derive.js';
import { resolveVariant, type Variant } from './variants/query.js';
import { createVariantStore, type VariantBase } from './variants/store.js';
import type { VersionWatcher } from './version-watcher.js';

export interface LayerCounters extends AnswerLayers {
  /** Failed cache reads and writes (the request went on to the database). */
  errors: number;
}

/** A fallback copy in this process is re-checked this often, so the view takes over soon after it recovers. */
const fallbackRecheckMs = 1000;
/** A database read that returns an older version than one already known is retried this often. */
const staleReadRetries = 2;

export interface ReadPathOptions {
  repository: SidebarRepository;
  shared: SharedCache;
  keys: SidebarCacheKeys;
  versions: VersionWatcher;
  schema: Pick<SchemaState, 'isReady' | 'status'>;
  log: FastifyBaseLogger;
  counters: LayerCounters;
  /** The HTTP caching of the full sidebar's bytes; a variant's adds its own tag and language. */
  policy: CachePolicy;
  cdnSurrogateKey: string;
  cacheTtlSeconds: number;
  fallbackCacheTtlSeconds: number;
  variantsMax: number;
}

/**
 * The sidebar read path: this process's copy, then the shared cache, then the materialized view,
 * then the fallback aggregation, versioned end to end by the refresh that made the data; and the
 * variants derived from each version.
 */
export function createReadPath(options: ReadPathOptions) {
  const { repository, shared, keys, versions, schema, log, counters, policy } = options;
  // Concurrent database loads share one query.
  let dbLoad: Promise<Loaded> | null = null;
  // The bytes last built, reused when a load brings the same basis again (a fallback re-checked,
  // a version re-read after an invalidation): identical bytes are not compressed twice.
  let last: { text: string; built: VariantBase } | null = null;

  // Variants are derived from the basis of the full sidebar's version, once per version each.
  const variants = createVariantStore({
    max: options.variantsMax,
    build: (base, variant, key) =>
      key === ''
        ? base.snapshot
        : buildSnapshot(
            JSON.stringify(deriveSidebar(base.basis, variant)),
            {
              ...policy,
              // Purging the sidebar's tag purges every variant; a variant's own tag purges only it.
              surrogateKeys: [options.cdnSurrogateKey, `${options.cdnSurrogateKey}:${key}`],
              contentLanguage: variant.lang ?? policy.contentLanguage,
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
      log.warn({ err: (err as Error).message, cache: shared.backend }, 'sidebar cache entry is not a sidebar basis; reading the database');
      return null;
    }
  }

  /** Rows the database gave: their basis, its text for the cache, and the bytes. */
  function builtFromRows(rows: Parameters<typeof basisOf>[0], meta: Parameters<typeof basisOf>[1]): VariantBase & { text: string } {
    const basis = basisOf(rows, meta);
    const text = JSON.stringify(basis);
    return { ...built(text, () => basis), text };
  }

  /** The same aggregation computed from odds_events now: costly, unversioned, cached briefly. */
  async function loadFallback(cause: unknown, bypassCache: boolean): Promise<Loaded> {
    log.warn({ err: (cause as Error).message }, 'sidebar_data unavailable; serving the fallback aggregation');
    const cached = bypassCache ? null : await shared.read(keys.fallback);
    const hit = cached === null ? null : builtFromCache(cached);
    if (hit) return { ...hit, version: null, origin: 'cache' };
    const fresh = builtFromRows(await repository.readSource(), { source: 'fallback', refreshedAt: new Date(), version: null });
    void shared.write(keys.fallback, fresh.text, options.fallbackCacheTtlSeconds);
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
      // Not awaited: a stalled cache must not hold the answer (write never rejects).
      if (version > 0 && version >= versions.current()) {
        void shared.write(keys.version(version), fresh.text, options.cacheTtlSeconds);
        void shared.write(keys.latest, String(version), options.cacheTtlSeconds);
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
        if (version === 0 && !databaseAnswers()) version = Number(await shared.read(keys.latest)) || 0;
        const cached = version > 0 ? await shared.read(keys.version(version)) : null;
        const hit = cached === null ? null : builtFromCache(cached);
        if (hit) {
          log.debug({ cache: 'HIT', backend: shared.backend, version }, 'sidebar cache hit');
          return { ...hit, version, origin: 'cache' };
        }
      }
      log.debug({ cache: 'MISS', backend: shared.backend, bypass: bypassCache, version: versions.current() }, 'sidebar cache miss');
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

  /**
   * The variant `base` answers: a language without names is the default names' variant (bounded
   * by the languages configured); a jurisdiction it does not know throws
   * UnknownJurisdictionError (the client's mistake: a 400 listing the known ones, never the
   * unfiltered tree).
   */
  const resolve = (base: VariantBase, variant: Variant): Variant => resolveVariant(variant, base.basis);

  return {
    /** The hot path's only question: bytes this process may serve now, or null. No I/O. */
    peekFresh: () => copy.peekFresh(),

    async getSidebar(options: { bypassCache?: boolean } = {}): Promise<CopyRead> {
      return count(options.bypassCache ? await copy.reload() : await copy.get());
    },

    /** Loads the current version in the background (a new one was announced); failures are reported through onLoadsFailing. */
    preload(): void {
      copy.get().catch(() => {});
    },

    resolve,

    variant(base: VariantBase, variant: Variant, url?: string, beforeBuild?: () => void): Snapshot {
      return variants.get(base, resolve(base, variant), url, beforeBuild);
    },

    peekVariant: (url: string, full: Snapshot): Snapshot | null => variants.peek(url, full),

    variantCount: () => variants.size(),

    /** The version this process serves and when it was refreshed (epoch ms, to the second); null: none yet, or the fallback. */
    served(): { version: number; refreshedAt: number | null } | null {
      const held = copy.held();
      if (held?.version == null) return null;
      // Stryker disable next-line StringLiteral: a versioned copy always has its refresh's time; '' only stands in for the type's null.
      const refreshedAt = Date.parse(held.snapshot.lastModified ?? '');
      return { version: held.version, refreshedAt: Number.isNaN(refreshedAt) ? null : refreshedAt };
    },

    /** Drops this process's copy and the shared entries of the current version and of the fallback. */
    async invalidate(): Promise<void> {
      copy.invalidate();
      await shared.del(keys.version(versions.current()), keys.fallback);
    },
  };
}

export type ReadPath = ReturnType<typeof createReadPath>;
