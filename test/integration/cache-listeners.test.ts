import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createInProcessCache } from '../../src/cache/in-process.js';
import { createRedisCache } from '../../src/cache/redis.js';
import type { Cache } from '../../src/cache/types.js';
import { paths } from '../../src/contract/index.js';
import { asAdmin, buildTestApp } from '../helpers/app.js';
import { backends, useFixtureBackend } from '../helpers/backends.js';
import { silentLogger } from '../helpers/logger.js';
import { untilSubscribed } from '../helpers/pubsub.js';

/** cache.listeners(): how many processes hear a channel, which /stats reports as the instances. */
describe('cache.listeners()', () => {
  const opened: Cache[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((c) => c.close()));
  });

  it.skipIf(!process.env.TEST_REDIS_URL)('with Redis: one per subscribed connection (each process has one), down again when one leaves', async () => {
    const channel = `sidebar-test-listeners-${randomUUID()}`;
    const open = async () => {
      const cache = await createRedisCache({ url: process.env.TEST_REDIS_URL as string, timeoutMs: 2000, log: silentLogger() });
      opened.push(cache);
      return cache;
    };
    const [a, b] = [await open(), await open()];
    expect(await a.listeners(channel)).toBe(0);
    const leaveA = a.subscribe(channel, () => {});
    await untilSubscribed(a, channel);
    b.subscribe(channel, () => {});
    b.subscribe(channel, () => {}); // a second handler in one process: still one connection
    await untilSubscribed(b, channel);
    expect(await a.listeners(channel)).toBe(2);
    await leaveA();
    await vi.waitFor(async () => expect(await b.listeners(channel)).toBe(1));
  });

  it('in memory: this process, once anything listens', async () => {
    const cache = createInProcessCache();
    opened.push(cache);
    expect(await cache.listeners('versions')).toBe(0);
    const leave = cache.subscribe('versions', () => {});
    cache.subscribe('versions', () => {});
    expect(await cache.listeners('versions')).toBe(1);
    await leave();
    expect(await cache.listeners('versions')).toBe(1);
  });
});

describe.each(backends)('/stats counts the instances on $name', (backend) => {
  const fixture = useFixtureBackend(backend);

  it('two instances on one Redis are 2; with the in-process cache, 1', async () => {
    const apps: FastifyInstance[] = [];
    // Each instance with a cache (a connection) of its own, as two processes have; in memory, one process.
    const second =
      backend.cacheKind === 'redis' ? await createRedisCache({ url: process.env.TEST_REDIS_URL as string, timeoutMs: 1000, log: silentLogger() }) : null;
    try {
      for (const cache of [fixture.cache.cache, second ?? fixture.cache.cache]) {
        apps.push(await buildTestApp({ db: fixture.db.db, cache, prefix: fixture.cache.prefix }));
      }
      const instances = async () => (await apps[0]?.inject({ method: 'GET', url: paths.stats, headers: asAdmin }))?.json().cache.instances;
      // A Redis SUBSCRIBE is acknowledged a moment after the app is ready.
      await vi.waitFor(async () => expect(await instances()).toBe(second ? 2 : 1));
    } finally {
      await Promise.all(apps.map((app) => app.close()));
      await second?.close();
    }
  });
});
