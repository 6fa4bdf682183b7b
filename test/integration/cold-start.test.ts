import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../../src/app.js';
import { type ErrorBody, paths, type Ready, type Sidebar } from '../../src/contract/index.js';
import type { Db } from '../../src/db/types.js';
import { startDatabase } from '../../src/process.js';
import { loadFixtures } from '../fixtures/events.js';
import { testConfig } from '../helpers/app.js';
import { backends, type TestCache } from '../helpers/backends.js';
import { silentLogger } from '../helpers/logger.js';
import { createScratchDatabase } from '../helpers/scratch-db.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';

const adminUrl = process.env.TEST_DATABASE_URL;
const realBackend = backends.find((b) => b.dbKind === 'postgres');

/**
 * A server started while PostgreSQL is down must listen, answer
 * /health, answer the sidebar at once (a 503 with Retry-After in the error shape, or what the
 * shared cache holds), and serve from the database as soon as it is back, without a restart.
 * The database sits behind a TCP proxy that is down (every connection closed at once) at start.
 */
describe.skipIf(!adminUrl || !realBackend)('a cold start while PostgreSQL is down', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
    cleanups.length = 0;
  });

  /** An empty, unmigrated database behind a proxy that is down. */
  async function downDatabase() {
    const scratch = await createScratchDatabase(adminUrl as string, `sidebar_test_cold_${process.pid}_${Date.now() % 100000}`);
    cleanups.push(scratch.drop);
    const real = new URL(scratch.url);
    const proxy = await startTcpProxy({ host: real.hostname, port: Number(real.port || 5432) });
    cleanups.push(proxy.close);
    await proxy.cut();
    const viaProxy = new URL(scratch.url);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    return { proxy, url: viaProxy.toString(), directUrl: scratch.url };
  }

  async function cache(): Promise<TestCache> {
    const testCache = await (realBackend as NonNullable<typeof realBackend>).createCache();
    cleanups.push(testCache.cleanup);
    return testCache;
  }

  /** Starts the service as the server does (database prepared in the background), without listening. */
  async function startService(databaseUrl: string, testCache: TestCache): Promise<{ app: FastifyInstance; db: Db }> {
    const config = testConfig({ databaseUrl, migrateOnStart: true, cacheKeyPrefix: testCache.prefix, versionPollMs: 200 });
    const log = silentLogger();
    const { db, startup } = await startDatabase(config, log);
    const app = await buildApp({ config, db, dbStartup: startup, cache: testCache.cache, logger: log });
    cleanups.push(async () => {
      await app.close();
      await db.close();
    });
    await app.ready();
    return { app, db };
  }

  it('starts, answers /health, answers the sidebar 503 with Retry-After at once, and serves once the database is back', async () => {
    const { proxy, directUrl, url } = await downDatabase();
    const { app } = await startService(url, await cache());

    expect((await app.inject({ method: 'GET', url: paths.health })).statusCode).toBe(200);
    const started = performance.now();
    const down = await app.inject({ method: 'GET', url: paths.sidebar });
    // A bound on a hang, not a benchmark: the answer must not wait for a database that is down.
    expect(performance.now() - started).toBeLessThan(2000);
    expect(down.statusCode).toBe(503);
    expect(down.headers['retry-after']).toBe('5');
    const error = down.json<ErrorBody>();
    expect(error).toMatchObject({ statusCode: 503, error: 'Service Unavailable', requestId: expect.any(String) });
    expect(error.message).toMatch(/database/i);
    expect(error).not.toHaveProperty('stack');

    const ready = await app.inject({ method: 'GET', url: paths.ready });
    expect(ready.statusCode).toBe(503);
    expect(ready.json<Ready>().startup).toMatchObject({ ready: false, last_error: expect.any(String) });
    expect(ready.json<Ready>().startup.attempts).toBeGreaterThanOrEqual(1);

    // The database comes back: migrations run in the background, with no restart.
    await proxy.restore();
    await vi.waitFor(async () => expect((await app.inject({ method: 'GET', url: paths.ready })).statusCode).toBe(200), { timeout: 10_000, interval: 100 });
    const { createPostgresDb } = await import('../../src/db/postgres.js');
    const direct = createPostgresDb({ connectionString: directUrl, max: 1, onIdleError: () => {} });
    cleanups.push(() => direct.close());
    await loadFixtures(direct);
    await direct.query(`select refresh_sidebar_data('manual')`);
    await vi.waitFor(
      async () => {
        const res = await app.inject({ method: 'GET', url: paths.sidebar });
        expect(res.statusCode).toBe(200);
        expect(res.json<Sidebar>().totals.sports).toBeGreaterThan(0);
      },
      { timeout: 5000, interval: 100 },
    );
  });

  it('serves what the shared cache holds, marked stale, when it starts while the database is down', async () => {
    const testCache = await cache();
    // A first instance, on a database that works, puts the current version in the shared cache.
    const { proxy, url } = await downDatabase();
    await proxy.restore();
    const first = await startService(url, testCache);
    await vi.waitFor(async () => expect((await first.app.inject({ method: 'GET', url: paths.ready })).statusCode).toBe(200), { timeout: 10_000 });
    await loadFixtures(first.db);
    await first.app.sidebarService.refresh('manual');
    const healthy = await first.app.inject({ method: 'GET', url: paths.sidebar });
    expect(healthy.statusCode).toBe(200);
    await vi.waitFor(async () => expect(await testCache.cache.get(`${testCache.prefix}:v5:{sidebar}:latest`)).not.toBeNull());

    // The database goes down; a second instance starts now.
    await proxy.cut();
    const second = await startService(url, testCache);
    const res = await second.app.inject({ method: 'GET', url: paths.sidebar });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-cache']).toBe('STALE');
    expect(res.body).toBe(healthy.body);
  });

  it('while the database is down, copies are served marked STALE and the view-age metric keeps moving; HIT again once it is back', async () => {
    const { proxy, url } = await downDatabase();
    await proxy.restore();
    const { app, db } = await startService(url, await cache());
    await vi.waitFor(async () => expect((await app.inject({ method: 'GET', url: paths.ready })).statusCode).toBe(200), { timeout: 10_000 });
    await loadFixtures(db);
    await app.sidebarService.refresh('manual');
    await app.inject({ method: 'GET', url: paths.sidebar });
    expect((await app.inject({ method: 'GET', url: paths.sidebar })).headers['x-cache']).toBe('HIT');
    const viewAge = async () => Number(/^sidebar_view_age_seconds (\S+)$/m.exec((await app.inject({ method: 'GET', url: '/metrics' })).body)?.[1]);
    const ageBefore = await viewAge();

    await proxy.cut();
    await vi.waitFor(() => expect(app.sidebarVersions.failing()).toBe(true), { timeout: 5000 });
    const stale = await app.inject({ method: 'GET', url: paths.sidebar });
    expect(stale.statusCode).toBe(200);
    expect(stale.headers['x-cache']).toBe('STALE');
    expect(Number(stale.headers.age)).toBeGreaterThanOrEqual(0);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await viewAge()).toBeGreaterThan(ageBefore + 1);

    await proxy.restore();
    await vi.waitFor(async () => expect((await app.inject({ method: 'GET', url: paths.sidebar })).headers['x-cache']).toBe('HIT'), { timeout: 5000 });
  });
});
