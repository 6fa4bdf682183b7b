import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createInProcessCache } from '../../src/cache/in-process.js';
import type { Cache } from '../../src/cache/types.js';
import type { Sidebar } from '../../src/contract/index.js';
import { DatabaseStartingError, type SchemaState, schemaReady } from '../../src/db/startup.js';
import { buildSidebar, type SidebarBasis } from '../../src/sidebar/hierarchy.js';
import { createSidebarRepository } from '../../src/sidebar/repository.js';
import { createSidebarService, type SidebarServiceDeps, sidebarCacheKeys } from '../../src/sidebar/service.js';
import { UnknownJurisdictionError } from '../../src/sidebar/variants/jurisdictions.js';
import { createVersionWatcher } from '../../src/sidebar/version-watcher.js';
import { insertEventBySql, loadFixtures } from '../fixtures/events.js';
import { backends, type TestCache, type TestDb } from '../helpers/backends.js';
import { capturingLogger } from '../helpers/logger.js';
import { subscriptionProbe, untilSubscribed } from '../helpers/pubsub.js';

/**
 * The sidebar service on its real parts (repository on the database, the cache, the version
 * watcher), one layer decision per test: which key and TTL each answer is written under, which
 * layer answers, what a refresh changes, what an invalidation drops. Lean on purpose: StrykerJS
 * reruns this file for every mutant of service.ts (`npm run test:mutation`).
 */

const ttl = {
  cacheTtlSeconds: 300,
  fallbackCacheTtlSeconds: 5,
  httpCacheControl: 'public, max-age=0',
  corsOrigins: [],
  cdnSurrogateKey: 'sidebar',
  variantsMax: 256,
  defaultLanguage: 'en',
};

/** A cache whose calls fail on demand: a Redis that errors, without waiting for a real outage. */
function faultyCache(inner: Cache) {
  const fail = { get: false, set: false, del: false, connected: true };
  const boom = () => Promise.reject(new Error('cache down'));
  const cache: Cache = {
    backend: inner.backend,
    description: inner.description,
    get: (key) => (fail.get ? boom() : inner.get(key)),
    set: (key, value, seconds) => (fail.set ? boom() : inner.set(key, value, seconds)),
    del: (...keys) => (fail.del ? boom() : inner.del(...keys)),
    hit: (key, windowMs) => inner.hit(key, windowMs),
    isConnected: () => fail.connected && inner.isConnected(),
    publish: (channel, message) => inner.publish(channel, message),
    subscribe: (channel, onMessage) => inner.subscribe(channel, onMessage),
    isSubscribed: () => inner.isSubscribed(),
    listeners: (channel) => inner.listeners(channel),
    close: () => inner.close(),
  };
  return { cache, fail };
}

/** Lets a write that the service does not await reach the cache. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe.each(backends)('the sidebar service, layer by layer, on $name', (backend) => {
  let testDb: TestDb;
  let testCache: TestCache;
  let prefixes = 0;

  beforeAll(async () => {
    testDb = await backend.createDb();
    testCache = await backend.createCache();
    await loadFixtures(testDb.db);
    await testDb.db.query(`select refresh_sidebar_data('startup')`);
  });
  afterEach(() => vi.restoreAllMocks());
  afterAll(async () => {
    await testCache?.cleanup();
    await testDb?.drop();
  });

  /** A service on the shared database, with its own key prefix unless given one. */
  function service(overrides: Partial<Omit<SidebarServiceDeps, 'config'>> & { prefix?: string; config?: Partial<SidebarServiceDeps['config']> } = {}) {
    const { log, lines } = capturingLogger();
    const repository = overrides.repository ?? createSidebarRepository(testDb.db);
    const versions = overrides.versions ?? createVersionWatcher({ read: () => repository.readVersion(), intervalMs: 0, log });
    const prefix = overrides.prefix ?? `${testCache.prefix}:s${++prefixes}`;
    const config = { cacheKeyPrefix: prefix, refreshAlertSeconds: 30, ...ttl, ...overrides.config };
    const svc = createSidebarService({
      repository,
      cache: overrides.cache ?? testCache.cache,
      versions,
      schema: overrides.schema ?? schemaReady(),
      log,
      config,
      onRefresh: overrides.onRefresh,
    });
    return { svc, repository, versions, lines, keys: sidebarCacheKeys(prefix), prefix };
  }
  const currentVersion = async () => (await testDb.db.query<{ version: number }>('select version from sidebar_data_version()')).rows[0]?.version ?? 0;
  const bodyOf = (read: { snapshot: { identity: Buffer } }) => JSON.parse(read.snapshot.identity.toString()) as Sidebar;
  /** A basis no database holds (refreshed in 2000): planted in the cache, it shows in any answer that came from there. */
  const planted = JSON.stringify({
    source: 'materialized_view',
    refreshed_at: '2000-01-01T00:00:00Z',
    version: 1,
    rows: [],
    names: { sport: {}, league: {}, region: {} },
    languages: [],
    jurisdictions: [],
  });
  const isPlanted = (read: { snapshot: { identity: Buffer } }) => bodyOf(read).refreshed_at === '2000-01-01T00:00:00Z';

  describe('reading', () => {
    it('answers carry the configured Cache-Control and surrogate key, and vary by origin only once CORS is on', async () => {
      const plain = (await service().svc.getSidebar()).snapshot;
      expect(plain).toMatchObject({ cacheControl: 'public, max-age=0', vary: 'accept-encoding', surrogateKeys: ['sidebar'] });
      const cors = (await service({ config: { corsOrigins: ['https://a.example'] } }).svc.getSidebar()).snapshot;
      expect(cors.vary).toBe('accept-encoding, origin');
    });

    it('variants: window=all is the full snapshot; window=live is derived once from it, tagged, and found by the URL it was asked under', async () => {
      const { svc } = service();
      const read = await svc.getSidebar();
      expect(svc.variant(read, { window: 'all' })).toBe(read.snapshot);
      const live = svc.variant(read, { window: 'live' }, '/s?window=live');
      const full = JSON.parse(read.snapshot.identity.toString()) as Sidebar;
      const derived = JSON.parse(live.identity.toString()) as Sidebar;
      expect(derived.totals.game_count).toBe(full.totals.live_game_count);
      expect(derived.sports.every((s) => s.leagues.every((l) => l.game_count === l.live_game_count && l.next_start === null))).toBe(true);
      expect(live.surrogateKeys).toEqual(['sidebar', 'sidebar:window=live']);
      // Content-Language: the names' language, resolved against the basis (014 seeds es).
      expect(live.contentLanguage).toBe('en');
      expect(svc.variant(read, { window: 'live', lang: 'es' }).contentLanguage).toBe('es');
      expect(live.cacheControl).toBe(read.snapshot.cacheControl);
      expect(live.etag).not.toBe(read.snapshot.etag);
      expect(svc.variant(read, { window: 'live' })).toBe(live);
      expect(svc.peekVariant('/s?window=live', read.snapshot)).toBe(live);
      expect(svc.peekVariant('/s?window=other', read.snapshot)).toBeNull();
      expect(svc.variantCount()).toEqual({ variants: 3, urls: 1 }); // all, live, live in Spanish
      // A variant defers its compression (its first answer goes uncompressed); the full sidebar's is done at once.
      expect(live.deferred).toEqual({ answered: false });
      expect(read.snapshot.deferred).toBeNull();
    });

    it('a jurisdiction the version does not know is refused, listing the known ones (the seeded four), and builds nothing', async () => {
      const { svc } = service();
      const read = await svc.getSidebar();
      const refused = (() => {
        try {
          svc.variant(read, { window: 'all', jurisdiction: 'DE' }, '/s?jurisdiction=DE');
        } catch (err) {
          return err;
        }
      })();
      expect(refused).toBeInstanceOf(UnknownJurisdictionError);
      expect(refused).toMatchObject({ jurisdiction: 'DE', message: 'querystring/jurisdiction must be one of the known jurisdictions: FR, GB, US-NJ, US-PA' });
      expect(svc.variantCount()).toEqual({ variants: 0, urls: 0 });
      expect(svc.resolve(read, { window: 'live', jurisdiction: 'US-PA', lang: 'fr' })).toEqual({ window: 'live', jurisdiction: 'US-PA' });
      // France allows listed competitions only: of the fixture's, basketball's NBA and EuroLeague and soccer's big leagues.
      const full = JSON.parse(read.snapshot.identity.toString()) as Sidebar;
      const fr = JSON.parse(svc.variant(read, { window: 'all', jurisdiction: 'FR' }).identity.toString()) as Sidebar;
      expect(full.sports.map((s) => s.sport_id)).toContain('curling');
      expect(fr.sports.map((s) => s.sport_id)).toEqual(['basketball', 'soccer']);
    });

    it('a first read loads the current version from the view and writes it, and the latest pointer, to the shared cache', async () => {
      const { svc, keys, lines } = service();
      const version = await currentVersion();
      const read = await svc.getSidebar();
      expect(read).toMatchObject({ layer: 'database', origin: 'database', version, stale: false });
      expect(bodyOf(read).source).toBe('materialized_view');
      const { rows } = await testDb.db.query<{ refreshed_at: Date }>('select refreshed_at from sidebar_data_version()');
      expect(bodyOf(read).refreshed_at).toBe(rows[0]?.refreshed_at.toISOString().replace(/\.\d+Z$/, 'Z')); // to the second
      expect(lines.find((l) => l.msg === 'sidebar cache miss')).toMatchObject({ level: 20, cache: 'MISS', backend: testCache.cache.backend, bypass: false });
      await settle();
      // The basis, which every instance builds the same bytes from.
      const cached = JSON.parse((await testCache.cache.get(keys.version(version))) ?? 'null') as SidebarBasis;
      expect(JSON.stringify(buildSidebar(cached))).toBe(read.snapshot.identity.toString());
      expect(cached.rows.every((r) => Array.isArray(r.starts))).toBe(true);
      expect(await testCache.cache.get(keys.latest)).toBe(String(version));
      expect(svc.counters).toMatchObject({ database: 1, cache: 0, memory: 0, stale: 0, errors: 0 });
    });

    it('a second instance on the same shared cache answers from it, without reading the view', async () => {
      const first = service();
      const read = await first.svc.getSidebar();
      await settle();
      const second = service({ prefix: first.prefix });
      const readView = vi.spyOn(second.repository, 'readView');
      const cached = await second.svc.getSidebar();
      expect(cached).toMatchObject({ layer: 'cache', origin: 'cache', version: read.version });
      expect(cached.snapshot.identity.equals(read.snapshot.identity)).toBe(true);
      expect(readView).not.toHaveBeenCalled();
      expect(second.svc.counters).toMatchObject({ cache: 1, database: 0 });
      expect(second.lines.find((l) => l.msg === 'sidebar cache hit')).toMatchObject({
        level: 20,
        cache: 'HIT',
        backend: testCache.cache.backend,
        version: read.version,
      });
    });

    it('the copy held answers the next read (layer memory), and peekFresh hands out the same bytes', async () => {
      const { svc } = service();
      const first = await svc.getSidebar();
      const again = await svc.getSidebar();
      expect(again).toMatchObject({ layer: 'memory', version: first.version });
      expect(svc.peekFresh()?.snapshot).toBe(first.snapshot);
      svc.countMemoryHit();
      expect(svc.counters).toMatchObject({ database: 1, memory: 2 });
    });

    it('bypassCache reads the view even when the shared cache holds the version', async () => {
      const { svc, keys } = service();
      const version = await currentVersion();
      await testCache.cache.set(keys.version(version), planted, 60);
      expect(isPlanted(await svc.getSidebar())).toBe(true);
      const forced = await svc.getSidebar({ bypassCache: true });
      expect(forced).toMatchObject({ layer: 'database', version });
      expect(isPlanted(forced)).toBe(false);
    });

    it('a shared cache entry that is not a basis (another writer, a corrupted value) is a miss: read from the database, counted, never served', async () => {
      const { svc, keys, lines, versions } = service();
      const version = await currentVersion();
      // A basis whose one row lacks its starts: checked whole, not only at the top.
      const row = { sport_id: 's', sport: 'S', sport_icon: null, sport_priority: null, league_id: 'l', league: 'L', league_icon: null };
      const counts = { league_priority: null, game_count: 1, live_game_count: 0, next_start: null, sport_rank: 1, league_rank: 1 };
      const partial = { ...JSON.parse(planted), rows: [{ ...row, ...counts, region_id: null, region: null, region_priority: null }] };
      const misses = [
        ['{"sports":[]}', 'not a sidebar basis: /source Expected required property'],
        [JSON.stringify(partial), 'not a sidebar basis: /rows/0/starts Expected required property'],
        ['null', 'not a sidebar basis: / Expected object'],
        ['{"rows":', 'Unexpected end of JSON input'],
      ];
      for (const [i, [value, err]] of misses.entries()) {
        await testCache.cache.set(keys.version(version), value as string, 60);
        const read = await svc.getSidebar();
        expect(read).toMatchObject({ layer: 'database', version });
        expect(isPlanted(read) || bodyOf(read).totals.sports === 0).toBe(false);
        expect(svc.counters.errors).toBe(i + 1);
        expect(lines.filter((l) => l.msg === 'sidebar cache entry is not a sidebar basis; reading the database').at(-1)).toMatchObject({
          level: 40,
          err,
          cache: testCache.cache.backend,
        });
        await svc.invalidate(); // the next read asks the cache again
        versions.observe(version);
      }
    });

    it('the latest pointer is not read while the database says which version is current', async () => {
      const { svc, keys } = service();
      const version = await currentVersion();
      await testCache.cache.set(keys.latest, String(version + 5), 60);
      await testCache.cache.set(keys.version(version + 5), planted, 60);
      const read = await svc.getSidebar();
      expect(read.version).toBe(version);
      expect(isPlanted(read)).toBe(false);
    });

    it('versioned answers are cached for CACHE_TTL_SECONDS', async () => {
      let now = Date.now();
      const cache = createInProcessCache(() => now);
      const { svc, keys } = service({ cache });
      const { version } = await svc.getSidebar();
      await settle();
      now += (ttl.cacheTtlSeconds - 1) * 1000;
      expect(await cache.get(keys.version(version ?? 0))).not.toBeNull();
      expect(await cache.get(keys.latest)).toBe(String(version));
      now += 2000;
      expect(await cache.get(keys.version(version ?? 0))).toBeNull();
      expect(await cache.get(keys.latest)).toBeNull();
      await cache.close();
    });

    it('a read that returns an older version than one already known is retried twice, then served but not cached', async () => {
      const { svc, versions, repository, keys } = service();
      const version = await currentVersion();
      versions.observe(version + 1000); // as if a refresh had committed that this read cannot see yet
      const readView = vi.spyOn(repository, 'readView');
      const read = await svc.getSidebar({ bypassCache: true });
      expect(readView).toHaveBeenCalledTimes(3);
      expect(read.version).toBe(version);
      await settle();
      expect(await testCache.cache.get(keys.version(version))).toBeNull();
      expect(await testCache.cache.get(keys.latest)).toBeNull();
    });

    it('concurrent reads share one database load', async () => {
      const { svc, repository } = service();
      const readView = vi.spyOn(repository, 'readView');
      const reads = await Promise.all([svc.getSidebar(), svc.getSidebar(), svc.getSidebar()]);
      expect(readView).toHaveBeenCalledTimes(1);
      expect(new Set(reads.map((r) => r.snapshot)).size).toBe(1);
    });
  });

  describe('on a database never refreshed (the view not populated)', () => {
    let fallbackDb: TestDb;
    beforeAll(async () => {
      fallbackDb = await backend.createDb();
      await loadFixtures(fallbackDb.db); // migrated, never refreshed: the view is not populated
    });
    afterAll(() => fallbackDb?.drop());
    const onFallbackDb = (overrides: Parameters<typeof service>[0] = {}) => service({ repository: createSidebarRepository(fallbackDb.db), ...overrides });

    it('an unpopulated view is answered from odds_events, unversioned, logged at warn level', async () => {
      const { svc, lines } = onFallbackDb();
      const read = await svc.getSidebar();
      expect(read).toMatchObject({ layer: 'database', origin: 'database', version: null });
      expect(bodyOf(read)).toMatchObject({ source: 'fallback', version: null });
      expect(bodyOf(read).totals.game_count).toBeGreaterThan(0);
      expect(lines.find((l) => l.level === 40 && String(l.msg).includes('fallback aggregation'))).toMatchObject({
        err: expect.stringMatching(/not been populated/),
      });
    });

    it('a fallback answer is no version served', async () => {
      const { svc } = onFallbackDb();
      expect((await svc.getSidebar()).version).toBeNull();
      expect(svc.served()).toBeNull();
    });

    it('fallback answers are cached only for FALLBACK_CACHE_TTL_SECONDS, and another instance reads them from there', async () => {
      let now = Date.now();
      const cache = createInProcessCache(() => now);
      const first = onFallbackDb({ cache });
      const read = await first.svc.getSidebar();
      expect(first.svc.counters.errors).toBe(0); // nothing in the cache is a miss, not a bad entry
      await settle();
      expect(JSON.stringify(buildSidebar(JSON.parse((await cache.get(first.keys.fallback)) ?? 'null') as SidebarBasis))).toBe(
        read.snapshot.identity.toString(),
      );

      const second = onFallbackDb({ cache, prefix: first.prefix });
      const readSource = vi.spyOn(second.repository, 'readSource');
      expect(await second.svc.getSidebar()).toMatchObject({ layer: 'cache', origin: 'cache', version: null });
      expect(readSource).not.toHaveBeenCalled();

      now += (ttl.fallbackCacheTtlSeconds + 1) * 1000;
      expect(await cache.get(first.keys.fallback)).toBeNull();
      await cache.close();
    });

    it('bypassCache recomputes the fallback instead of reading the cached one', async () => {
      const { svc, keys } = onFallbackDb();
      await testCache.cache.set(keys.fallback, planted, 60);
      const read = await svc.getSidebar({ bypassCache: true });
      expect(bodyOf(read).source).toBe('fallback');
      expect(isPlanted(read)).toBe(false);
    });

    it('a view populated without refresh_sidebar_data() (no version) is served but never cached under a version', async () => {
      await fallbackDb.db.query('refresh materialized view sidebar_data');
      try {
        const { svc, keys } = onFallbackDb();
        const read = await svc.getSidebar();
        expect(read).toMatchObject({ origin: 'database', version: 0 });
        expect(bodyOf(read).source).toBe('materialized_view');
        await settle();
        expect(await testCache.cache.get(keys.version(0))).toBeNull();
        expect(await testCache.cache.get(keys.latest)).toBeNull();
      } finally {
        await fallbackDb.db.query('refresh materialized view sidebar_data with no data');
      }
    });

    it('a database that answers "no version yet" is believed over an old latest pointer', async () => {
      const { svc, keys } = onFallbackDb();
      await testCache.cache.set(keys.latest, '7', 60);
      await testCache.cache.set(keys.version(7), planted, 60);
      // Nor is there a "version 0" to look up.
      await testCache.cache.set(keys.version(0), planted, 60);
      const read = await svc.getSidebar();
      expect(read.origin).toBe('database');
      expect(bodyOf(read).source).toBe('fallback');
      expect(isPlanted(read)).toBe(false);
    });

    it('loads that fail (the view and odds_events unreadable) are logged once at warn level, and their recovery at info level', async () => {
      const { svc, lines } = onFallbackDb();
      await fallbackDb.db.query('alter view sidebar_source rename to sidebar_source_away');
      try {
        await expect(svc.getSidebar()).rejects.toThrow(/sidebar_source/);
        await expect(svc.getSidebar()).rejects.toThrow(/sidebar_source/);
      } finally {
        await fallbackDb.db.query('alter view sidebar_source_away rename to sidebar_source');
      }
      const failing = lines.filter((l) => String(l.msg).startsWith('sidebar loads are failing'));
      expect(failing).toEqual([expect.objectContaining({ level: 40, err: expect.stringMatching(/sidebar_source/) })]);
      expect((await svc.getSidebar()).origin).toBe('database');
      expect(lines.find((l) => l.msg === 'sidebar loads work again')).toMatchObject({ level: 30, failures: 2 });
    });

    it('a failed refresh changes no version, and is logged at error level with its reason', async () => {
      await fallbackDb.db.query('alter materialized view sidebar_data rename to sidebar_data_away');
      try {
        const { svc, versions, lines } = onFallbackDb();
        const result = await svc.refresh('manual');
        expect(result.status).toBe('error');
        expect(versions.current()).toBe(0);
        const line = lines.find((l) => l.level === 50);
        expect(line).toMatchObject({ refresh: { id: result.id, status: 'error' }, error: result.error_message });
        expect(String(line?.msg)).toContain('previous view is kept');
      } finally {
        await fallbackDb.db.query('alter materialized view sidebar_data_away rename to sidebar_data');
      }
    });
  });

  describe('a failing shared cache', () => {
    it('a failed cache read is counted and logged at debug level, and the view answers', async () => {
      const { cache, fail } = faultyCache(testCache.cache);
      const { svc, lines } = service({ cache });
      fail.get = true;
      const read = await svc.getSidebar();
      expect(read.origin).toBe('database');
      expect(svc.counters.errors).toBe(1);
      expect(lines.find((l) => l.msg === 'sidebar cache read failed; reading the database')).toMatchObject({
        level: 20,
        cache: testCache.cache.backend,
        err: { message: 'cache down' },
      });
    });

    it('failed cache writes are counted and logged at debug level, and never fail the answer', async () => {
      const { cache, fail } = faultyCache(testCache.cache);
      const { svc, lines } = service({ cache });
      fail.set = true;
      expect((await svc.getSidebar()).origin).toBe('database');
      await settle();
      expect(svc.counters.errors).toBe(2); // the version's body and the latest pointer
      expect(lines.filter((l) => l.msg === 'sidebar cache write failed')).toEqual(
        Array(2).fill(expect.objectContaining({ level: 20, cache: testCache.cache.backend, err: expect.objectContaining({ message: 'cache down' }) })),
      );
    });

    it('a disconnected cache is not asked at all', async () => {
      const { cache, fail } = faultyCache(testCache.cache);
      const { svc, keys } = service({ cache });
      fail.connected = false;
      const get = vi.spyOn(cache, 'get');
      const set = vi.spyOn(cache, 'set');
      const read = await svc.getSidebar();
      await settle();
      expect(read.origin).toBe('database');
      expect(get).not.toHaveBeenCalled();
      expect(set).not.toHaveBeenCalled();
      expect(await testCache.cache.get(keys.version(read.version ?? 0))).toBeNull();
      expect(svc.counters.errors).toBe(0);
    });
  });

  describe('before the database is ready', () => {
    function starting(): SchemaState {
      const state = schemaReady();
      return { ...state, isReady: () => false, status: () => ({ ready: false, attempts: 3, last_error: 'connect ECONNREFUSED', next_attempt_at: null }) };
    }

    it('answers the newest version another instance wrote, through the latest pointer, marked stale, without touching the database', async () => {
      const writer = service();
      const written = await writer.svc.getSidebar();
      await settle();
      const { svc, repository } = service({ prefix: writer.prefix, schema: starting() });
      const readVersion = vi.spyOn(repository, 'readVersion');
      const read = await svc.getSidebar();
      expect(read).toMatchObject({ layer: 'cache', version: written.version, stale: true });
      expect(readVersion).not.toHaveBeenCalled();
      expect(svc.counters.stale).toBe(1);
    });

    it('a process that knows a version looks it up directly: the latest pointer is only for one that knows none', async () => {
      const writer = service();
      const written = await writer.svc.getSidebar();
      await settle();
      const { svc, versions, keys } = service({ prefix: writer.prefix, schema: starting() });
      versions.observe(written.version ?? 0); // learned before the database went away
      await testCache.cache.set(keys.latest, String((written.version ?? 0) + 5), 60);
      await testCache.cache.set(keys.version((written.version ?? 0) + 5), planted, 60);
      const read = await svc.getSidebar();
      expect(read).toMatchObject({ layer: 'cache', version: written.version, stale: true });
    });

    it('with nothing in the shared cache, it is a DatabaseStartingError carrying the last connection error', async () => {
      const { svc } = service({ schema: starting() });
      const error = await svc.getSidebar().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DatabaseStartingError);
      expect((error as Error).message).toContain('ECONNREFUSED');
    });
  });

  describe('refreshing', () => {
    it('tells which refresh calls are in flight, by trigger, since the oldest of each started; none once they end', async () => {
      const { svc, repository } = service();
      const gates: Array<() => void> = [];
      const held = <T>(call: () => Promise<T>) =>
        new Promise<T>((resolve, reject) => {
          gates.push(() => call().then(resolve, reject));
        });
      const refresh = repository.refresh.bind(repository);
      const refreshIfChanged = repository.refreshIfChanged.bind(repository);
      vi.spyOn(repository, 'refresh').mockImplementation((...args) => held(() => refresh(...args)));
      vi.spyOn(repository, 'refreshIfChanged').mockImplementation((...args) => held(() => refreshIfChanged(...args)));
      expect(svc.refreshingSince()).toEqual({});
      const before = Date.now();
      const first = svc.refresh('manual');
      await new Promise((r) => setTimeout(r, 20));
      const second = svc.refresh('manual');
      const change = svc.refreshIfChanged(0);
      const since = svc.refreshingSince();
      expect(Object.keys(since).sort()).toEqual(['change', 'manual']);
      // The oldest manual call's start, not the newer one's.
      expect(since.manual).toBeGreaterThanOrEqual(before);
      expect(since.manual).toBeLessThan((since.change as number) - 10);
      for (const open of gates.splice(0)) open();
      await Promise.all([first, second, change]);
      expect(svc.refreshingSince()).toEqual({});
    });

    beforeEach(async () => {
      // A minimum interval in one test must not skip the next test's refresh.
      await testDb.db.query(`delete from sidebar_refresh_log where status = 'skipped'`);
    });

    it('a successful refresh is the new version: the next read serves it, and it is logged at info level', async () => {
      const seen: number[] = [];
      const { svc, versions, lines } = service({ onRefresh: (r) => seen.push(r.id) });
      const before = await svc.getSidebar();
      const result = await svc.refresh('manual');
      expect(result.status).toBe('success');
      expect(seen).toEqual([result.id]);
      expect(versions.current()).toBe(result.id);
      const after = await svc.getSidebar();
      expect(after).toMatchObject({ layer: 'database', version: result.id });
      expect(after.version).toBeGreaterThan(before.version ?? 0);
      // The body says so too: a client resumes the stream from it.
      expect(bodyOf(after).version).toBe(result.id);
      expect(lines.find((l) => l.level === 30 && l.msg === 'sidebar refresh success')).toMatchObject({ refresh: { id: result.id, trigger: 'manual' } });
    });

    it('says which version it serves and when that was refreshed (to the second); nothing before a read', async () => {
      const { svc } = service();
      expect(svc.served()).toBeNull();
      const result = await svc.refresh('manual');
      await svc.getSidebar();
      const served = svc.served();
      expect(served?.version).toBe(result.id);
      const refreshedAt = Date.parse(bodyOf(await svc.getSidebar()).refreshed_at as string);
      expect(served?.refreshedAt).toBe(refreshedAt);
      expect(Math.abs((served?.refreshedAt ?? 0) - new Date(result.finished_at).getTime())).toBeLessThan(2000);
    });

    it('onRefresh listeners hear every refresh outcome, after the service took it in, until they stop', async () => {
      const { svc, versions } = service();
      const heard: Array<[string, number]> = [];
      const stop = svc.onRefresh((r) => heard.push([r.status, versions.current() === r.id ? 1 : 0]));
      const also = svc.onRefresh(() => heard.push(['second', 0]));
      await svc.refresh('manual');
      await svc.refresh('scheduler', 3600); // skipped
      expect(heard).toEqual([
        ['success', 1], // the new version was already known when the listener ran
        ['second', 0],
        ['skipped', 0],
        ['second', 0],
      ]);
      stop();
      also();
      await svc.refresh('manual');
      expect(heard).toHaveLength(4);
    });

    it('a skipped refresh changes no version and is logged at info level', async () => {
      const { svc, versions, lines } = service();
      await svc.refresh('manual');
      const known = versions.current();
      const skipped = await svc.refresh('scheduler', 3600);
      expect(skipped.status).toBe('skipped');
      expect(versions.current()).toBe(known);
      expect(lines.find((l) => l.level === 30 && l.msg === 'sidebar refresh skipped')).toMatchObject({ refresh: { id: skipped.id } });
    });

    it('refreshIfChanged does nothing (null, no log line) with nothing pending; after a write it refreshes, and that is the new version', async () => {
      await testDb.db.query('delete from sidebar_changes');
      const seen: string[] = [];
      const { svc, versions, lines } = service({ onRefresh: (r) => seen.push(r.trigger) });
      expect(await svc.refreshIfChanged(0)).toBeNull();
      expect(seen).toEqual([]);
      expect(lines.filter((l) => String(l.msg).startsWith('sidebar refresh'))).toEqual([]);
      await insertEventBySql(testDb.db, 'svc-change-1');
      const result = await svc.refreshIfChanged(0);
      expect(result).toMatchObject({ status: 'success', trigger: 'change' });
      expect(seen).toEqual(['change']);
      expect(versions.current()).toBe(result?.id);
      expect(lines.find((l) => l.msg === 'sidebar refresh success')).toMatchObject({ refresh: { trigger: 'change' } });
    });

    it('a refresh over the alert threshold is logged at warn level with the threshold', async () => {
      const { svc, lines } = service({ config: { refreshAlertSeconds: -1 } });
      const result = await svc.refresh('manual');
      expect(result.alert_triggered).toBe(true);
      expect(lines.find((l) => l.level === 40)).toMatchObject({
        msg: 'sidebar refresh was slower than the alert threshold',
        refresh: { id: result.id },
        alert_threshold_ms: result.alert_threshold_ms,
      });
      expect(lines.some((l) => l.level === 30 && String(l.msg).startsWith('sidebar refresh'))).toBe(false);
    });
  });

  describe('announcing versions', () => {
    it('the channel is <prefix>:v5:{sidebar}:versions, which every instance of this schema version shares', () => {
      expect(sidebarCacheKeys('p').versions).toBe('p:v5:{sidebar}:versions');
    });

    it('a successful refresh is announced on the versions channel; skipped and failed ones are not', async () => {
      const { svc, keys } = service();
      const heard: string[] = [];
      const unsubscribe = testCache.cache.subscribe(keys.versions, (message) => {
        if (message !== subscriptionProbe) heard.push(message);
      });
      try {
        await untilSubscribed(testCache.cache, keys.versions);
        const result = await svc.refresh('manual');
        await svc.refresh('scheduler', 3600); // skipped
        await vi.waitFor(() => expect(heard).toEqual([String(result.id)]));
        await settle();
        expect(heard).toEqual([String(result.id)]);
      } finally {
        await unsubscribe();
      }
    });

    it('an announcement that cannot be sent is counted and logged at debug level, and the refresh stands', async () => {
      const { cache } = faultyCache(testCache.cache);
      cache.publish = () => Promise.reject(new Error('cache down'));
      const { svc, versions, lines } = service({ cache });
      const result = await svc.refresh('manual');
      await settle();
      expect(versions.current()).toBe(result.id);
      expect(svc.counters.errors).toBe(1);
      expect(lines.find((l) => String(l.msg).startsWith('announcing the new sidebar version failed'))).toMatchObject({
        level: 20,
        cache: testCache.cache.backend,
        err: { message: 'cache down' },
      });
    });

    it('nothing is announced through a disconnected cache', async () => {
      const { cache, fail } = faultyCache(testCache.cache);
      fail.connected = false;
      const publish = vi.spyOn(cache, 'publish');
      const { svc } = service({ cache });
      await svc.refresh('manual');
      expect(publish).not.toHaveBeenCalled();
    });

    it('an announced version is known at once and loaded in the background; anything else is ignored', async () => {
      const { svc, versions, repository } = service();
      const current = await currentVersion();
      for (const message of ['x', '1.5', '1e400', 'Infinity']) svc.versionAnnounced(message);
      expect(versions.current()).toBe(0);
      const readView = vi.spyOn(repository, 'readView');
      svc.versionAnnounced(String(current));
      expect(versions.current()).toBe(current);
      await vi.waitFor(() => expect(svc.peekFresh()?.version).toBe(current));
      svc.versionAnnounced(String(current - 1)); // older than known: nothing
      expect(versions.current()).toBe(current);
      expect(readView).toHaveBeenCalledTimes(1);
      expect(svc.counters).toMatchObject({ database: 0, cache: 0, memory: 0 });
    });
  });

  describe('invalidating', () => {
    it('drops the copy held and the shared entries of the current version and of the fallback', async () => {
      const { svc, keys, versions } = service();
      const read = await svc.getSidebar();
      await settle();
      await testCache.cache.set(keys.fallback, '{}', 60);
      await svc.invalidate();
      expect(await testCache.cache.get(keys.version(versions.current()))).toBeNull();
      expect(await testCache.cache.get(keys.fallback)).toBeNull();
      expect(svc.peekFresh()).toBeNull();
      const again = await svc.getSidebar();
      expect(again.layer).toBe('database');
      // The same body again: its compressed bytes are reused, not built a second time.
      expect(again.snapshot).toBe(read.snapshot);
    });

    it('a cache that fails to delete is counted and logged, and the copy is dropped all the same', async () => {
      const { cache, fail } = faultyCache(testCache.cache);
      const { svc, lines } = service({ cache });
      await svc.getSidebar();
      fail.del = true;
      await svc.invalidate();
      expect(svc.counters.errors).toBe(1);
      expect(lines.find((l) => l.level === 40 && String(l.msg).includes('invalidation failed'))).toMatchObject({
        cache: testCache.cache.backend,
        err: { message: 'cache down' },
      });
      expect(svc.peekFresh()).toBeNull();
    });
  });
});
