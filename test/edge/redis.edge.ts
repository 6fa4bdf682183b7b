import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paths } from '../../src/contract/index.js';
import {
  asAdmin,
  cleanupAll,
  gameCount,
  get,
  migratedDatabase,
  type Service,
  seedEvents,
  sleep,
  startService,
  steadyLoad,
  waitFor,
} from '../faults/harness.js';
import { startRedisCluster, startSentinelSet } from './redis-topologies.js';

/**
 * Two instances of the built service on a Redis Cluster (three masters, three replicas) and on
 * a Sentinel-watched master with a replica (redis-topologies.ts: real redis-server processes,
 * the test's own): they share the cache (the keys' {sidebar} hash tag puts them in one slot),
 * new versions reach the other instance by pub/sub alone (version polling is off), and
 * failing over the master that holds the sidebar's keys, while versions keep changing, loses
 * no sidebar request.
 */
const topologies = [
  {
    name: 'Redis Cluster',
    start: async () => {
      const cluster = await startRedisCluster();
      return {
        env: { REDIS_CLUSTER_NODES: cluster.nodes.map((n) => `${n.host}:${n.port}`).join(',') },
        failOver: () => cluster.failOver('{sidebar}'),
        get: cluster.get,
        stop: cluster.stop,
      };
    },
  },
  {
    name: 'Redis Sentinel',
    start: async () => {
      const set = await startSentinelSet();
      return {
        env: { REDIS_SENTINELS: set.sentinels.map((n) => `${n.host}:${n.port}`).join(','), REDIS_SENTINEL_MASTER: set.master },
        failOver: () => set.failOver(),
        get: set.get,
        stop: set.stop,
      };
    },
  },
];

describe.each(topologies)('two instances on $name', (topology) => {
  let redis: Awaited<ReturnType<(typeof topologies)[number]['start']>>;
  let database: Awaited<ReturnType<typeof migratedDatabase>>;
  let a: Service;
  let b: Service;
  const prefix = `sidebar-edge-${randomBytes(3).toString('hex')}`;
  let batch = 0;

  const openGames = async () =>
    Number((await database.direct.query(`select count(*)::int as n from odds_events where status in ('scheduled', 'live')`)).rows[0]?.n);
  /** Ten new events and a refresh made by instance a; the version it made. */
  async function newVersion(): Promise<number> {
    await seedEvents(database.direct, 10, `redis-edge-${++batch}-`);
    const refresh = await get(a, paths.refresh, { method: 'POST', headers: asAdmin });
    expect(refresh.status).toBe(200);
    return (JSON.parse(refresh.body) as { id: number }).id;
  }

  beforeAll(async () => {
    redis = await topology.start();
    database = await migratedDatabase(300);
    const env = {
      DATABASE_URL: database.directUrl,
      ...redis.env,
      CACHE_KEY_PREFIX: prefix,
      SCHEDULER_ENABLED: 'false',
      SIDEBAR_CHANGE_POLL_MS: '0',
      // No version polling: a new version reaches the other instance by pub/sub or not at all.
      SIDEBAR_VERSION_POLL_MS: '0',
      REDIS_TIMEOUT_MS: '300',
      SIDEBAR_REFRESH_RATE_LIMIT: '1000',
    };
    a = await startService(env);
    b = await startService(env);
    for (const service of [a, b]) {
      await waitFor('the subscription', async () => service.lines.some((line) => line.includes('redis subscription ready')));
    }
  }, 120_000);

  afterAll(async () => {
    await cleanupAll();
    await redis?.stop();
  });

  it('a version made by one instance is in the shared cache under the hash-tagged key, and reaches the other by pub/sub', async () => {
    await get(b, paths.sidebar); // b holds a copy of the current version
    const version = await newVersion();
    const expected = await openGames();
    const started = performance.now();
    await waitFor('b to serve the new version', async () => gameCount(await get(b, paths.sidebar)) === expected, 5000, 10);
    process.stdout.write(`${topology.name}: new version on the other instance after ${Math.round(performance.now() - started)} ms\n`);
    await waitFor('the version in the shared cache', async () => (await redis.get(`${prefix}:v5:{sidebar}:${version}`)).length > 0);
  });

  it('failing over the master of the sidebar keys, while versions keep changing, loses no sidebar request; pub/sub and the cache work after it', async () => {
    const load = steadyLoad([a, b], 100);
    const changes = (async () => {
      for (let i = 0; i < 6; i++) {
        await newVersion();
        await sleep(500);
      }
    })();
    await sleep(700);
    const { killed, promoted } = await redis.failOver();
    await changes;
    await sleep(500);
    const samples = await load.stop();
    const failed = samples.filter((s) => s.status !== 200);
    process.stdout.write(`${topology.name}: master ${killed} killed, ${promoted} promoted; ${samples.length} requests, ${failed.length} failed\n`);
    expect(samples.length).toBeGreaterThan(300);
    expect(failed).toEqual([]);

    // After the failover: a new version is announced, and cached, through the promoted master
    // (once the clients have found it: ioredis reconnects with a growing pause).
    const recovering = performance.now();
    for (;;) {
      const version = await newVersion();
      const expected = await openGames();
      const announced = await waitFor('b to serve it', async () => gameCount(await get(b, paths.sidebar)) === expected, 2000, 20).then(
        () => true,
        () => false,
      );
      if (announced && (await redis.get(`${prefix}:v5:{sidebar}:${version}`)).length > 0) break;
      if (performance.now() - recovering > 30_000) process.stdout.write(`${[...a.lines, ...b.lines].filter((l) => /redis/i.test(l)).join('\n')}\n`);
      expect(performance.now() - recovering, 'pub/sub and the cache back within 30 s').toBeLessThan(30_000);
    }
    process.stdout.write(`${topology.name}: pub/sub and cache through the new master ${Math.round(performance.now() - recovering)} ms after the failover\n`);
  });
});
