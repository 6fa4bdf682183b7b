import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { paths } from '../../src/contract/index.js';
import { loadFixtures } from '../fixtures/events.js';
import { asAdmin, buildTestApp } from '../helpers/app.js';
import { backends, type TestCache, type TestDb } from '../helpers/backends.js';

/**
 * Two instances on one shared cache (Redis in CI: the fleet; the in-process cache shared by
 * two apps in one process stands for it on the embedded defaults): the admin refresh limit and
 * the failed-authentication limit count across both.
 */
describe.each(backends)('limits across instances on $name', (backend) => {
  let testDb: TestDb;
  let testCache: TestCache;
  let fleets = 0;
  const apps: FastifyInstance[] = [];
  beforeAll(async () => {
    testDb = await backend.createDb();
    testCache = await backend.createCache();
    await loadFixtures(testDb.db);
    await testDb.db.query(`select refresh_sidebar_data('startup')`);
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });
  afterAll(async () => {
    await testCache?.cleanup();
    await testDb?.drop();
  });

  /** Two instances of one fleet (one cache key prefix), with the given settings. */
  async function fleet(overrides: Parameters<typeof buildTestApp>[1]) {
    const prefix = `${testCache.prefix}:fleet${++fleets}`;
    const built = await Promise.all([0, 1].map(() => buildTestApp({ db: testDb.db, cache: testCache.cache, prefix }, overrides)));
    apps.push(...built);
    return built as [FastifyInstance, FastifyInstance];
  }
  const refresh = (app: FastifyInstance, headers: Record<string, string>) => app.inject({ method: 'POST', url: paths.refresh, headers });

  it('failed authentications from one address count on every instance: the third anywhere is refused; valid credentials still pass', async () => {
    const [a, b] = await fleet({ adminAuthFailuresPerMinute: 3 });
    const wrong = { authorization: 'Bearer wrong-key-0123456789' };
    expect((await refresh(a, wrong)).statusCode).toBe(401);
    expect((await refresh(b, wrong)).statusCode).toBe(401);
    const limited = await refresh(a, wrong);
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await refresh(b, wrong)).statusCode).toBe(429);
    expect((await refresh(b, asAdmin)).statusCode).toBe(200);
  });

  it('the admin refresh limit counts on every instance: two refreshes a minute in all, the third refused on either', async () => {
    const [a, b] = await fleet({ refreshRateLimitPerMinute: 2 });
    expect([200, 409]).toContain((await refresh(a, asAdmin)).statusCode);
    expect([200, 409]).toContain((await refresh(b, asAdmin)).statusCode);
    const limited = await refresh(a, asAdmin);
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await refresh(b, asAdmin)).statusCode).toBe(429);
  });

  it('instances of another fleet (another key prefix) count apart', async () => {
    const [a] = await fleet({ refreshRateLimitPerMinute: 1 });
    const [other] = await fleet({ refreshRateLimitPerMinute: 1 });
    expect([200, 409]).toContain((await refresh(a, asAdmin)).statusCode);
    expect([200, 409]).toContain((await refresh(other, asAdmin)).statusCode);
    expect((await refresh(a, asAdmin)).statusCode).toBe(429);
  });
});
