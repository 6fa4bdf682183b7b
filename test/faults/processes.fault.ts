import { afterEach, describe, expect, it } from 'vitest';
import {
  asAdmin,
  cleanupAll,
  gameCount,
  get,
  migratedDatabase,
  record,
  refreshView,
  type Service,
  seedEvents,
  serviceEnv,
  sleep,
  startDatabase,
  startRedis,
  startService,
  steadyLoad,
  summarise,
  timeUntil,
  waitFor,
} from './harness.js';

/** Start-up, crashes and several instances: cold starts during an outage, SIGKILL mid-refresh, a shared tick, a stampede. */
const sidebar = '/api/v1/shared/sidebar';

const servesCount = (service: Service, count: number) => async () => {
  const answer = await get(service, sidebar);
  return answer.status === 200 && gameCount(answer) === count;
};

describe('process faults', () => {
  afterEach(cleanupAll);

  for (const withRedis of [true, false]) {
    it(`cold start without a database (${withRedis ? 'REDIS_URL set' : 'no Redis'}): listens, answers /health, 503 with Retry-After at once, serves once the database is back, without a restart`, async () => {
      const database = await startDatabase(); // empty: the service migrates it once it can
      const redis = withRedis ? await startRedis() : null;
      const { proxy, url } = await database.proxy();
      await proxy.cut();
      const started = performance.now();
      const service = await startService(serviceEnv(url, redis?.url ?? null, { SCHEDULER_ENABLED: 'true' }));
      const listening = performance.now() - started;
      const down = await get(service, sidebar);
      expect(down.status).toBe(503);
      expect(down.headers['retry-after']).toBe('5');
      expect(JSON.parse(down.body)).toMatchObject({ statusCode: 503, requestId: expect.any(String) });
      expect(down.ms).toBeLessThan(2000);
      expect((await get(service, '/ready')).status).toBe(503);

      const restoredAt = performance.now();
      await proxy.restore();
      const recovery = await timeUntil(restoredAt, 'the sidebar from the database', async () => (await get(service, sidebar)).status === 200);
      // Migrated by the service itself, and the start-up refresh ran once the schema was ready.
      await waitFor('a successful refresh', async () => (await database.version()) > 0);
      record({
        scenario: `cold start without a database (${withRedis ? 'with Redis' : 'no Redis'})`,
        requests: 2,
        failed: 0,
        p99_ms_during_fault: Math.round(down.ms),
        max_ms_during_fault: Math.round(down.ms),
        stale_answers: 0,
        recovery_ms: Math.round(recovery),
        notes: `listening ${Math.round(listening)} ms after launch; sidebar 503 in ${Math.round(down.ms)} ms; serving ${Math.round(recovery)} ms after the database returned`,
      });
      expect(await service.kill('SIGTERM')).toBe(0);
    });
  }

  it('cold start without a database while Redis holds the current version: serves it, marked STALE', async () => {
    const database = await migratedDatabase();
    const redis = await startRedis();
    const { proxy, url } = await database.proxy();
    const first = await startService(serviceEnv(url, redis.url, { SCHEDULER_ENABLED: 'false' }));
    const healthy = await get(first, sidebar);
    expect(healthy.status).toBe(200);
    await sleep(200); // the cache write is not awaited by the answer
    await first.kill();
    await proxy.cut();
    const second = await startService(serviceEnv(url, redis.url, { SCHEDULER_ENABLED: 'false' }));
    const answer = await get(second, sidebar);
    expect(answer.status).toBe(200);
    expect(answer.headers['x-cache']).toBe('STALE');
    expect(answer.body).toBe(healthy.body);
    record({
      scenario: 'cold start without a database, Redis warm',
      requests: 1,
      failed: 0,
      p99_ms_during_fault: Math.round(answer.ms),
      max_ms_during_fault: Math.round(answer.ms),
      stale_answers: 1,
      recovery_ms: null,
    });
  });

  it('SIGKILL of the instance running a refresh: the other keeps serving with no failure, and refreshes next', async () => {
    const database = await migratedDatabase();
    const redis = await startRedis();
    const a = await startService(serviceEnv((await database.proxy()).url, redis.url, { SCHEDULER_ENABLED: 'false' }));
    const b = await startService(serviceEnv((await database.proxy()).url, redis.url, { SCHEDULER_ENABLED: 'false' }));
    const before = gameCount(await get(b, sidebar)) as number;
    const load = steadyLoad([b]);
    // Hold the refresh mid-way: it waits for a lock the test holds on odds_events.
    const blocker = await database.direct.connect();
    await seedEvents(database.direct, 10, 'sk');
    await blocker.query('begin; lock table odds_events in access exclusive mode');
    const from = load.now();
    const refreshing = get(a, `${sidebar}/refresh`, { method: 'POST', headers: asAdmin, timeoutMs: 30_000 });
    await waitFor('the refresh to wait on the lock', async () => {
      const { rows } = await database.direct.query(
        `select 1 from pg_stat_activity where datname = current_database() and query like 'select * from refresh_sidebar_data%' and wait_event_type = 'Lock'`,
      );
      return rows.length > 0;
    });
    await a.kill('SIGKILL');
    await blocker.query('commit');
    blocker.release();
    await refreshing;
    // The killed process's transaction ends with its connection; B's refresh runs (once any skip clears).
    const refreshed = await timeUntil(
      from,
      "B's refresh",
      async () => (await get(b, `${sidebar}/refresh`, { method: 'POST', headers: asAdmin })).status === 200,
    );
    const to = load.now();
    await timeUntil(to, 'B serving the new count', servesCount(b, before + 10));
    const report = summarise('SIGKILL mid-refresh', await load.stop(), { from, to }, refreshed);
    expect(report.failed).toBe(0);
  });

  it('three instances on one tick, the refreshing one killed: the others keep serving with no failure, and serve the refresh that follows', async () => {
    const database = await migratedDatabase();
    const redis = await startRedis();
    const proxies = await Promise.all([database.proxy(), database.proxy(), database.proxy()]);
    const instances = await Promise.all(
      proxies.map(({ url }) => startService(serviceEnv(url, redis.url, { SCHEDULER_ENABLED: 'true', SIDEBAR_REFRESH_INTERVAL_SECONDS: '5' }))),
    );
    const countBefore = gameCount(await get(instances[0] as Service, sidebar)) as number;
    const load = steadyLoad(instances, 150);
    await seedEvents(database.direct, 10, 'tk');
    const before = await database.version();
    const blocker = await database.direct.connect();
    await blocker.query('begin; lock table odds_events in access exclusive mode');
    // The next tick: one instance takes the advisory lock and waits on odds_events; the others skip.
    const port = await waitFor(
      'a scheduled refresh waiting on the lock',
      async () => {
        const { rows } = await database.direct.query<{ client_port: number }>(
          `select client_port from pg_stat_activity where datname = current_database() and query like 'select * from refresh_sidebar_data%' and wait_event_type = 'Lock'`,
        );
        return rows[0]?.client_port;
      },
      15_000,
    );
    const victim = proxies.findIndex(({ proxy }) => proxy.upstreamPorts().includes(port));
    expect(victim).toBeGreaterThanOrEqual(0);
    const from = load.now();
    await (instances[victim] as Service).kill('SIGKILL');
    await blocker.query('commit');
    blocker.release();
    const survivors = instances.filter((_, i) => i !== victim);
    const recovered = await timeUntil(
      from,
      'a successful refresh after the kill, served by the survivors',
      async () => {
        if ((await database.version()) <= before) return false;
        for (const s of survivors) if (!(await servesCount(s, countBefore + 10)())) return false;
        return true;
      },
      20_000,
    );
    const to = load.now();
    const samples = (await load.stop()).filter((s) => s.instance !== victim);
    const report = summarise('three instances, refreshing one killed', samples, { from, to }, recovered);
    expect(report.failed).toBe(0);
  });

  it('a stampede of 1,000 concurrent cold requests: every one answered, with one database read', async () => {
    const database = await migratedDatabase();
    const redis = await startRedis();
    const { proxy, url } = await database.proxy();
    const service = await startService(serviceEnv(url, redis.url, { SCHEDULER_ENABLED: 'false' }));
    // The view read's statement (repository.ts) is the only one that selects from sidebar_data.
    const reads = proxy.countStatements('from sidebar_data)');
    const from = performance.now();
    const answers = await Promise.all(Array.from({ length: 1000 }, () => get(service, sidebar, { timeoutMs: 30_000 })));
    const to = performance.now();
    const samples = answers.map((a) => ({ ...a, at: from, instance: 0 }));
    const report = summarise('stampede of 1,000 cold requests', samples, { from, to: to + 1 }, null, `${reads()} reads of sidebar_data`);
    expect(report.failed).toBe(0);
    expect(reads()).toBe(1);
  });

  it('a refresh stays visible on every instance when Redis stalls across it, or when nobody invalidates anything', async () => {
    const database = await migratedDatabase();
    const redis = await startRedis();
    const instances: Service[] = [];
    for (let i = 0; i < 3; i++) instances.push(await startService(serviceEnv((await database.proxy()).url, redis.url, { SCHEDULER_ENABLED: 'false' })));
    const before = gameCount(await get(instances[0] as Service, sidebar)) as number;
    const load = steadyLoad(instances, 150);

    // A Redis blip across a refresh made through the API: the invalidation cannot reach Redis.
    redis.pause();
    await seedEvents(database.direct, 10, 'd3a');
    const from = load.now();
    expect((await get(instances[0] as Service, `${sidebar}/refresh`, { method: 'POST', headers: asAdmin })).status).toBe(200);
    redis.resume();
    const blip = await timeUntil(from, 'every instance serving the refresh made across a Redis blip', async () => {
      for (const s of instances) if (!(await servesCount(s, before + 10)())) return false;
      return true;
    });

    // A refresh whose process died between commit and invalidation: nobody invalidates anything.
    await seedEvents(database.direct, 10, 'd3b');
    const from2 = load.now();
    await refreshView(database.direct);
    const silent = await timeUntil(from2, 'every instance serving a refresh nobody announced', async () => {
      for (const s of instances) if (!(await servesCount(s, before + 20)())) return false;
      return true;
    });
    const to = load.now();
    const report = summarise(
      'refresh across a Redis blip / with no invalidation',
      await load.stop(),
      { from, to },
      Math.max(blip, silent),
      `visible everywhere ${Math.round(blip)} ms after the refresh across the blip, ${Math.round(silent)} ms after the unannounced one`,
    );
    expect(report.failed).toBe(0);
    // The version watcher polls every 250 ms here (SIDEBAR_VERSION_POLL_MS).
    expect(silent).toBeLessThan(3000);
  });
});
