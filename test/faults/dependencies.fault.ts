import { afterEach, describe, expect, it } from 'vitest';
import {
  asAdmin,
  cleanupAll,
  gameCount,
  get,
  migratedDatabase,
  record,
  refreshView,
  seedEvents,
  serviceEnv,
  sleep,
  startRedis,
  startService,
  steadyLoad,
  summarise,
  timeUntil,
} from './harness.js';

/**
 * Redis and PostgreSQL failing under a steady load, one instance of the service holding a
 * copy: no sidebar request may fail, latency stays bounded, and the service recovers by
 * itself. Each scenario also makes a refresh during the fault where that is the hard case
 * (a newer version must be loaded while a layer is failing).
 */
const faultMs = 3000;
const sidebar = '/api/v1/shared/sidebar';

async function setup(extra: Record<string, string> = {}) {
  const database = await migratedDatabase();
  const redis = await startRedis();
  const { proxy, url } = await database.proxy();
  const service = await startService(serviceEnv(url, redis.url, { SCHEDULER_ENABLED: 'false', ...extra }));
  const warm = await get(service, sidebar);
  expect(warm.status).toBe(200);
  return { database, redis, proxy, service, before: gameCount(warm) as number };
}

/** Adds events and refreshes the view behind the service's back (a refresh made elsewhere). */
async function changeData(database: Awaited<ReturnType<typeof migratedDatabase>>, prefix: string): Promise<void> {
  await seedEvents(database.direct, 10, prefix);
  await refreshView(database.direct);
}

const servesCount = (service: Parameters<typeof get>[0], count: number) => async () => {
  const answer = await get(service, sidebar);
  return answer.status === 200 && gameCount(answer) === count && answer.headers['x-cache'] !== 'STALE';
};

describe('dependency faults under steady load', () => {
  afterEach(cleanupAll);

  it('Redis killed, a refresh made meanwhile: no failed request; the new version is served from the database', async () => {
    const { database, redis, service, before } = await setup();
    const load = steadyLoad([service]);
    await sleep(500);
    const from = load.now();
    await redis.kill();
    await changeData(database, 'rk');
    await sleep(faultMs);
    const to = load.now();
    await redis.restart();
    const recovery = await timeUntil(to, 'the cache reconnected', async () => {
      const stats = await get(service, `${sidebar}/stats`, { headers: asAdmin });
      return JSON.parse(stats.body).cache.connected === true;
    });
    expect((await get(service, sidebar)).body).toContain(`"game_count":${before + 10}`);
    const report = summarise('redis killed', await load.stop(), { from, to }, recovery);
    expect(report.failed).toBe(0);
    expect(report.p99_ms_during_fault).toBeLessThan(1000);
  });

  it('Redis paused (SIGSTOP), a refresh made meanwhile: no failed request; a cold read costs one Redis timeout, not two', async () => {
    const { database, redis, service, before } = await setup();
    const load = steadyLoad([service]);
    await sleep(500);
    const from = load.now();
    redis.pause();
    await changeData(database, 'rp');
    const seen = await timeUntil(from, 'the new version while Redis is paused', servesCount(service, before + 10), faultMs * 3);
    await sleep(Math.max(0, faultMs - seen));
    const to = load.now();
    redis.resume();
    const report = summarise(
      'redis paused',
      await load.stop(),
      { from, to },
      0,
      `new version served ${Math.round(seen)} ms after the refresh, Redis still paused`,
    );
    expect(report.failed).toBe(0);
    // REDIS_TIMEOUT_MS is 300: a cold read waits for one GET timeout (the SET is not awaited).
    expect(report.max_ms_during_fault).toBeLessThan(2 * 300 + 250);
  });

  for (const fault of ['cut', 'blackhole', 'pause'] as const) {
    it(`PostgreSQL ${fault === 'cut' ? 'cut (every connection closed)' : fault === 'blackhole' ? 'black-holed' : 'paused'} with a warm copy: no failed request, answers marked STALE, HIT again after`, async () => {
      const { proxy, service } = await setup();
      const load = steadyLoad([service]);
      await sleep(500);
      const from = load.now();
      if (fault === 'cut') await proxy.cut();
      else if (fault === 'blackhole') proxy.blackhole();
      else proxy.pause();
      await sleep(faultMs);
      const to = load.now();
      if (fault === 'pause') proxy.resume();
      else await proxy.restore();
      const recovery = await timeUntil(to, 'answers HIT again', async () => (await get(service, sidebar)).headers['x-cache'] === 'HIT');
      await sleep(300);
      const samples = await load.stop();
      const report = summarise(`postgres ${fault}`, samples, { from, to }, recovery);
      expect(report.failed).toBe(0);
      expect(report.p99_ms_during_fault).toBeLessThan(1000);
      // The outage is visible to clients: answers during it were marked stale.
      expect(report.stale_answers).toBeGreaterThan(0);
    });
  }

  it('PostgreSQL failover (open connections go silent, new ones work), a refresh made meanwhile: no failed request, no wait beyond the bound', async () => {
    const { database, proxy, service, before } = await setup();
    const load = steadyLoad([service]);
    await sleep(500);
    const from = load.now();
    proxy.silenceExisting();
    await changeData(database, 'fo');
    const seen = await timeUntil(from, 'the new version after the failover', servesCount(service, before + 10), 15_000);
    const to = load.now();
    await sleep(500);
    const report = summarise('postgres failover', await load.stop(), { from, to }, seen);
    expect(report.failed).toBe(0);
    // DATABASE_QUERY_TIMEOUT_MS is 1000; readers with a copy wait at most 500 ms for a newer version.
    expect(report.max_ms_during_fault).toBeLessThan(1500);
  });

  it('Redis and PostgreSQL both down with a warm copy: no failed request; recovery without a restart', async () => {
    const { database, redis, proxy, service, before } = await setup();
    const load = steadyLoad([service]);
    await sleep(500);
    const from = load.now();
    await redis.kill();
    await proxy.cut();
    await sleep(faultMs);
    const to = load.now();
    await changeData(database, 'bd');
    await redis.restart();
    await proxy.restore();
    const recovery = await timeUntil(to, 'the new version once both are back', servesCount(service, before + 10));
    const report = summarise('redis and postgres down', await load.stop(), { from, to }, recovery);
    expect(report.failed).toBe(0);
    expect(report.p99_ms_during_fault).toBeLessThan(1000);
  });

  it('a PostgreSQL outage under load costs a few connection attempts and log lines, not one per request', async () => {
    const { database, proxy, service } = await setup();
    const load = steadyLoad([service]);
    await sleep(500);
    // A newer version is known, so readers want to load it; then every new connection is reset.
    await changeData(database, 'rs');
    await sleep(400);
    const linesBefore = service.lines.length;
    const from = load.now();
    await proxy.cut();
    await proxy.restore();
    proxy.resetNew();
    const acceptedBefore = proxy.accepted();
    await sleep(5000);
    const attempts = proxy.accepted() - acceptedBefore;
    const warnings = service.lines.slice(linesBefore).filter((l) => /"level":(40|50)/.test(l)).length;
    const to = load.now();
    await proxy.restore();
    const recovery = await timeUntil(to, 'answers HIT again', async () => (await get(service, sidebar)).headers['x-cache'] === 'HIT');
    const samples = await load.stop();
    const during = samples.filter((s) => s.at >= from && s.at < to).length;
    const report = summarise(
      'postgres resetting connections (retry storm)',
      samples,
      { from, to },
      recovery,
      `${attempts} connection attempts and ${warnings} warning lines for ${during} requests in 5 s`,
    );
    expect(report.failed).toBe(0);
    // The version watcher polls every 250 ms (20 in 5 s); loads back off to 5 s.
    expect(attempts).toBeLessThan(60);
    expect(warnings).toBeLessThan(10);
  });

  it('POST /refresh while PostgreSQL is unreachable answers 503 with Retry-After in the error shape', async () => {
    const { proxy, service } = await setup();
    await proxy.cut();
    const answer = await get(service, `${sidebar}/refresh`, { method: 'POST', headers: asAdmin });
    expect(answer.status).toBe(503);
    expect(answer.headers['retry-after']).toBe('5');
    expect(JSON.parse(answer.body)).toMatchObject({ statusCode: 503, error: 'Service Unavailable', requestId: expect.any(String) });
    record({
      scenario: 'refresh while postgres is down',
      requests: 1,
      failed: 0,
      p99_ms_during_fault: Math.round(answer.ms),
      max_ms_during_fault: Math.round(answer.ms),
      stale_answers: 0,
      recovery_ms: null,
      notes: '503 with Retry-After: 5',
    });
  });
});
