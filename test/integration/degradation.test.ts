import { type AddressInfo, createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../../src/app.js';
import { createInProcessCache } from '../../src/cache/in-process.js';
import { createRedisCache } from '../../src/cache/redis.js';
import { createPostgresDb } from '../../src/db/postgres.js';
import { loadFixtures } from '../fixtures/events.js';
import { asAdmin, buildTestApp, buildTestSidebarService, testConfig } from '../helpers/app.js';
import { backends, type TestCache, type TestDb } from '../helpers/backends.js';
import { capturingLogger, silentLogger } from '../helpers/logger.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';

const sidebarUrl = '/api/v1/shared/sidebar';

describe.each(backends)('degraded and guarded operation on $name', (backend) => {
  let testDb: TestDb;
  let testCache: TestCache;

  beforeAll(async () => {
    testDb = await backend.createDb();
    testCache = await backend.createCache();
    await loadFixtures(testDb.db);
  });
  afterAll(async () => {
    await testCache?.cleanup();
    await testDb?.drop();
  });

  it('with Redis unreachable the sidebar is still served from the database, and stats say so', async () => {
    // Port 1 refuses connections at once; the client must not hang on it.
    const deadRedis = await createRedisCache({ url: 'redis://127.0.0.1:1', timeoutMs: 200, log: silentLogger() });
    const app = await buildTestApp({ db: testDb.db, cache: deadRedis, prefix: 'dead' });
    try {
      const first = await app.inject({ method: 'GET', url: sidebarUrl });
      expect(first.statusCode).toBe(200);
      expect(first.headers['x-cache']).toBe('MISS');
      expect(first.json().sports.length).toBeGreaterThan(0);
      // The process's own copy answers the next read: no Redis needed.
      const second = await app.inject({ method: 'GET', url: sidebarUrl });
      expect(second.headers['x-cache']).toBe('HIT');
      expect(second.headers['server-timing']).toMatch(/desc="memory"/);
      expect((await app.inject({ method: 'POST', url: `${sidebarUrl}/refresh`, headers: asAdmin })).statusCode).toBe(200);
      const stats = (await app.inject({ method: 'GET', url: `${sidebarUrl}/stats`, headers: asAdmin })).json();
      // How many instances listen cannot be known without Redis: said, not guessed, and /stats still answers.
      expect(stats.cache.instances).toBeNull();
      expect(stats.cache).toMatchObject({ backend: 'redis', connected: false, layers: { cache: 0 } });
      const ready = (await app.inject({ method: 'GET', url: '/ready' })).json();
      expect(ready).toMatchObject({ status: 'ready', cache: { connected: false } });
    } finally {
      await app.close();
      await deadRedis.close();
    }
  });

  it('a Redis that accepts connections but never answers does not hold requests up', async () => {
    const blackhole = createServer(() => {}); // accepts, never replies
    await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
    const { port } = blackhole.address() as AddressInfo;
    const silentRedis = await createRedisCache({ url: `redis://127.0.0.1:${port}`, timeoutMs: 200, log: silentLogger() });
    const app = await buildTestApp({ db: testDb.db, cache: silentRedis, prefix: 'silent' });
    try {
      const res = await app.inject({ method: 'GET', url: sidebarUrl });
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-cache']).toBe('MISS');
      expect(silentRedis.isConnected()).toBe(false);
    } finally {
      await app.close();
      await silentRedis.close();
      blackhole.close();
    }
  });

  it('with no admin secret configured, admin endpoints answer 403 and say why', async () => {
    const app = await buildTestApp(
      { db: testDb.db, cache: testCache.cache, prefix: testCache.prefix },
      { adminApiKey: undefined, supabaseJwtSecret: undefined },
    );
    try {
      const res = await app.inject({ method: 'POST', url: `${sidebarUrl}/refresh`, headers: asAdmin });
      expect(res.statusCode).toBe(403);
      expect(res.json().message).toMatch(/disabled/);
      expect((await app.inject({ method: 'GET', url: `${sidebarUrl}/stats` })).statusCode).toBe(403);
      expect((await app.inject({ method: 'GET', url: sidebarUrl })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('manual refreshes are rate-limited per client: 429 with Retry-After', async () => {
    const app = await buildTestApp({ db: testDb.db, cache: testCache.cache, prefix: testCache.prefix }, { refreshRateLimitPerMinute: 2 });
    try {
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push(await app.inject({ method: 'POST', url: `${sidebarUrl}/refresh`, headers: asAdmin }));
      expect(statuses.slice(0, 2).map((r) => r.statusCode)).toEqual([200, 200]);
      const limited = statuses[2];
      expect(limited?.statusCode).toBe(429);
      expect(Number(limited?.headers['retry-after'])).toBeGreaterThan(0);
      expect(limited?.json()).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
      // Another client is not affected.
      const other = await app.inject({ method: 'POST', url: `${sidebarUrl}/refresh`, headers: asAdmin, remoteAddress: '10.0.0.9' });
      expect(other.statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('when a newer version cannot be loaded, the copy held is served marked X-Cache: STALE with its Age', async () => {
    const app = await buildTestApp({ db: testDb.db, cache: testCache.cache, prefix: `${testCache.prefix}:stale` });
    try {
      await testDb.db.query(`select refresh_sidebar_data('manual')`);
      const fresh = await app.inject({ method: 'GET', url: sidebarUrl });
      expect(fresh.statusCode).toBe(200);
      // A newer version is known, but neither the cache nor the database can give it.
      app.sidebarVersions.observe(app.sidebarVersions.current() + 1);
      const down = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      vi.spyOn(app.sidebarRepository, 'readView').mockRejectedValue(down);
      vi.spyOn(app.sidebarRepository, 'readSource').mockRejectedValue(down);
      const stale = await app.inject({ method: 'GET', url: sidebarUrl });
      expect(stale.statusCode).toBe(200);
      expect(stale.headers['x-cache']).toBe('STALE');
      expect(Number(stale.headers.age)).toBeGreaterThanOrEqual(0);
      expect(stale.body).toBe(fresh.body);
    } finally {
      vi.restoreAllMocks();
      await app.close();
    }
  });

  it('anonymous refresh requests are refused (401) without using up the rate limit of the admins behind the same address', async () => {
    // Its own key prefix: the limit is counted in the shared cache, and this file's other apps refresh too.
    const app = await buildTestApp({ db: testDb.db, cache: testCache.cache, prefix: `${testCache.prefix}:anonymous` }, { refreshRateLimitPerMinute: 2 });
    try {
      for (let i = 0; i < 5; i++) expect((await app.inject({ method: 'POST', url: `${sidebarUrl}/refresh` })).statusCode).toBe(401);
      expect((await app.inject({ method: 'POST', url: `${sidebarUrl}/refresh`, headers: asAdmin })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('a refresh over the alert threshold is flagged and logged at warn level', async () => {
    const { log, lines } = capturingLogger();
    const { service } = await buildTestSidebarService(
      { db: testDb.db, cache: testCache.cache, log },
      { cacheKeyPrefix: testCache.prefix, refreshAlertSeconds: -1 },
    );
    const result = await service.refresh('manual');
    expect(result).toMatchObject({ status: 'success', alert_triggered: true });
    const warning = lines.find((l) => l.level === 40 && String(l.msg).includes('alert threshold'));
    expect(warning).toMatchObject({ refresh: { id: result.id, trigger: 'manual', status: 'success' } });
  });

  it('cache hits and misses are logged at debug level with structured fields', async () => {
    const { log, lines } = capturingLogger();
    // Two instances on one shared cache: the first misses and fills it, the second hits.
    const deps = { db: testDb.db, cache: testCache.cache, log };
    const first = await buildTestSidebarService(deps, { cacheKeyPrefix: `${testCache.prefix}:logs` });
    const second = await buildTestSidebarService(deps, { cacheKeyPrefix: `${testCache.prefix}:logs` });
    await first.service.refresh('manual');
    await first.service.getSidebar();
    await second.service.getSidebar();
    expect(lines.filter((l) => l.level === 20 && l.cache).map((l) => [l.cache, l.backend])).toEqual([
      ['MISS', testCache.cache.backend],
      ['HIT', testCache.cache.backend],
    ]);
    expect(first.service.counters).toMatchObject({ cache: 0, database: 1 });
    expect(second.service.counters).toMatchObject({ cache: 1, database: 0 });
  });

  it('concurrent misses share one database load', async () => {
    const { repository, service } = await buildTestSidebarService(
      { db: testDb.db, cache: testCache.cache, log: silentLogger() },
      { cacheKeyPrefix: `${testCache.prefix}:sf` },
    );
    await repository.refresh('manual', 30);
    await service.invalidate();
    let loads = 0;
    const readView = repository.readView;
    repository.readView = () => {
      loads++;
      return readView();
    };
    const results = await Promise.all(Array.from({ length: 10 }, () => service.getSidebar()));
    expect(loads).toBe(1);
    expect(new Set(results.map((r) => r.snapshot.etag)).size).toBe(1);
  });

  it('the scheduler refreshes at start-up when the view is empty, then on its interval, and stops with the app', async () => {
    await testDb.db.query('refresh materialized view sidebar_data with no data');
    const app = await buildApp({
      config: testConfig({ schedulerEnabled: true, refreshIntervalSeconds: 1, cacheKeyPrefix: `${testCache.prefix}:sched` }),
      db: testDb.db,
      cache: testCache.cache,
      logger: false,
    });
    const { rows } = await testDb.db.query<{ id: number | null }>('select max(id) as id from sidebar_refresh_log');
    const lastId = rows[0]?.id ?? 0;
    // In the order the refreshes began: a tick during the start-up refresh logs its skip (another
    // refresh holds the lock) before the start-up refresh logs its success. The change poll's are
    // not the scheduler's.
    const triggers = async () =>
      (
        await testDb.db.query<{ trigger: string }>(
          `select trigger from sidebar_refresh_log where id > $1 and trigger in ('startup', 'scheduler') order by started_at, id`,
          [lastId],
        )
      ).rows.map((r) => r.trigger);
    try {
      await app.ready();
      // Wait (bounded) for the start-up refresh and two scheduled ticks.
      const started = Date.now();
      while (Date.now() - started < 10_000 && (await triggers()).filter((t) => t === 'scheduler').length < 2) await new Promise((r) => setTimeout(r, 100));
      const seen = await triggers();
      expect(seen[0]).toBe('startup');
      expect(seen.filter((t) => t === 'scheduler').length).toBeGreaterThanOrEqual(2);
      expect(app.refreshLoop.state()).toMatchObject({ enabled: true, running: true, interval_seconds: 1, pattern: '*/1 * * * * *' });
    } finally {
      await app.close();
    }
    expect(app.refreshLoop.state()).toMatchObject({ running: false, next_run_at: null });
    const countAfterClose = (await triggers()).length;
    await new Promise((r) => setTimeout(r, 1500));
    expect((await triggers()).length).toBe(countAfterClose);
  });
});

describe('a stalled shared cache', () => {
  it('a cache write that never completes does not hold the answer', async () => {
    const testDb = await backends[0]?.createDb();
    if (!testDb) throw new Error('no backend');
    await loadFixtures(testDb.db);
    await testDb.db.query(`select refresh_sidebar_data('startup')`);
    const cache = createInProcessCache();
    // The write stalls for ever (a paused Redis); reads still answer (a miss).
    const stalled = vi.spyOn(cache, 'set').mockReturnValue(new Promise<void>(() => {}));
    const app = await buildTestApp({ db: testDb.db, cache, prefix: 'stalled' });
    try {
      const res = await app.inject({ method: 'GET', url: sidebarUrl });
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-cache']).toBe('MISS');
      // Both writes were made, neither awaited: the version's body and the pointer to it.
      expect(stalled.mock.calls.map(([key]) => key)).toEqual(['stalled:v5:{sidebar}:1', 'stalled:v5:{sidebar}:latest']);
    } finally {
      vi.restoreAllMocks();
      await app.close();
      await cache.close();
      await testDb.drop();
    }
  });
});

describe.skipIf(!process.env.TEST_DATABASE_URL)('a database failover (PostgreSQL through a TCP proxy)', () => {
  it('queries on connections that went silent fail at their deadline instead of hanging, and new connections take over', async () => {
    const backend = backends.find((b) => b.dbKind === 'postgres');
    const testDb = await backend?.createDb();
    if (!testDb?.url) throw new Error('no PostgreSQL backend');
    await loadFixtures(testDb.db);
    await testDb.db.query(`select refresh_sidebar_data('startup')`);
    const real = new URL(testDb.url);
    const proxy = await startTcpProxy({ host: real.hostname, port: Number(real.port || 5432) });
    const viaProxy = new URL(testDb.url);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    const db = createPostgresDb({ connectionString: viaProxy.toString(), max: 2, queryTimeoutMs: 300, onIdleError: () => {} });
    const cache = createInProcessCache();
    const app = await buildTestApp({ db, cache, prefix: 'failover' });
    try {
      expect((await app.inject({ method: 'GET', url: sidebarUrl })).statusCode).toBe(200);
      // The old primary vanishes: the pool's open connections go silent; new ones still work.
      proxy.silenceExisting();
      await app.sidebarService.invalidate(); // no copy left: the next answer needs the database
      const during = await app.inject({ method: 'GET', url: sidebarUrl });
      // Answered (not hung): from a fresh connection, or 503 in shape if every try met a silent one.
      expect([200, 503]).toContain(during.statusCode);
      if (during.statusCode === 503) expect(during.headers['retry-after']).toBe('5');
      // The silent connections were discarded: the view answers again, without a restart.
      await vi.waitFor(
        async () => {
          await app.sidebarService.invalidate();
          const after = await app.inject({ method: 'GET', url: sidebarUrl });
          expect(after.statusCode).toBe(200);
          expect(after.json().source).toBe('materialized_view');
        },
        { timeout: 10_000, interval: 100 },
      );
    } finally {
      await app.close();
      await cache.close();
      await db.close();
      await proxy.close();
      await testDb.drop();
    }
  });
});
