import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paths } from '../../src/contract/index.js';
import { cleanupAll, get, migratedDatabase, type Service, seedEvents, sleep, startService, waitFor } from '../faults/harness.js';
import { children, cpuTicks } from '../helpers/proc.js';
import { deleteRedisKeys } from '../helpers/processes.js';
import { openSse } from '../helpers/sse.js';

/**
 * One instance of the built service with WEB_CONCURRENCY=2 (this machine's cores), on the
 * machine's PostgreSQL (a scratch database) and Redis (a prefix of this run's own): every core
 * serves, worker 0 alone runs the schedule, a dead worker is replaced, and SIGTERM drains them all.
 */

const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `sidebar-workers-${process.pid}-${randomBytes(3).toString('hex')}`;
let database: Awaited<ReturnType<typeof migratedDatabase>>;
let service: Service;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

beforeAll(async () => {
  database = await migratedDatabase(1000);
  service = await startService({
    DATABASE_URL: database.directUrl,
    REDIS_URL: redisUrl,
    CACHE_KEY_PREFIX: prefix,
    WEB_CONCURRENCY: 'auto',
    SCHEDULER_ENABLED: 'true',
    SIDEBAR_REFRESH_INTERVAL_SECONDS: '2',
    SIDEBAR_CHANGE_POLL_MS: '0',
    SHUTDOWN_GRACE_MS: '3000',
  });
  // startService returned once one worker answered /health; the connections of the tests must find both.
  await waitFor('two workers listening', async () => service.lines.filter((line) => line.includes('Server listening')).length === 2);
  expect(children(service.pid)).toHaveLength(2);
});

afterAll(async () => {
  try {
    await cleanupAll();
  } finally {
    await deleteRedisKeys(redisUrl, prefix);
  }
});

describe('WEB_CONCURRENCY=auto on two cores', () => {
  it('two workers serve the port, and under load both use the CPU', async () => {
    const workers = children(service.pid);
    expect(workers).toHaveLength(2);
    const before = workers.map(cpuTicks);
    const primaryBefore = cpuTicks(service.pid);
    let ok = 0;
    const until = Date.now() + 3000;
    // 16 connections (round-robin over the workers), each sending requests back to back.
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (Date.now() < until) {
          const answer = await get(service, paths.sidebar, { headers: { 'accept-encoding': 'gzip' } });
          expect(answer.status).toBe(200);
          ok++;
        }
      }),
    );
    const used = workers.map((pid, i) => cpuTicks(pid) - (before[i] as number));
    process.stdout.write(`workers: ${ok} answers in 3 s; CPU ticks per worker ${JSON.stringify(used)}, primary ${cpuTicks(service.pid) - primaryBefore}\n`);
    for (const ticks of used) expect(ticks).toBeGreaterThan(10); // > 0.1 s of CPU each
    const [a, b] = used as [number, number];
    expect(Math.min(a, b) / Math.max(a, b)).toBeGreaterThan(0.25);
  });

  it('each scheduler tick refreshes once: worker 0 runs the schedule, the other only serves', async () => {
    const { rows: start } = await database.direct.query<{ id: number }>('select coalesce(max(id), 0) as id from sidebar_refresh_log');
    await seedEvents(database.direct, 10, 'workers-tick-');
    await sleep(6500);
    const { rows } = await database.direct.query<{ status: string; n: number }>(
      `select status, count(*)::int as n from sidebar_refresh_log where id > $1 and trigger = 'scheduler' group by 1`,
      [start[0]?.id],
    );
    process.stdout.write(`workers: scheduler refreshes in 6.5 s ${JSON.stringify(rows)}\n`);
    expect(rows).toHaveLength(1); // successes only: no second scheduler to skip
    expect(rows[0]?.status).toBe('success');
    expect(rows[0]?.n).toBeGreaterThanOrEqual(3);
    expect(rows[0]?.n).toBeLessThanOrEqual(4);
    // Both workers serve the refreshed data (pub/sub and version polling reach the other).
    const { rows: open } = await database.direct.query<{ n: number }>(`select count(*)::int as n from odds_events where status in ('scheduled', 'live')`);
    for (let i = 0; i < 6; i++) {
      const answer = await get(service, paths.sidebar, { headers: { connection: 'close' } });
      expect((JSON.parse(answer.body) as { totals: { game_count: number } }).totals.game_count).toBe(open[0]?.n);
    }
  });

  it('/metrics reports the whole instance whichever worker answers: over 20 scrapes its counters never go down, and the scheduler is always running', async () => {
    // The sidebar's answers, every label set summed (the hot path's, and the route's after each
    // scheduled refresh: one line per status and layer).
    const answers = (body: string) =>
      body
        .split('\n')
        .filter((line) => line.startsWith('sidebar_http_request_duration_seconds_count{') && line.includes(`route="${paths.sidebar}"`))
        .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
    let last = 0;
    const seen: number[] = [];
    for (let i = 0; i < 20; i++) {
      // New connections, so they alternate between the workers (round-robin).
      expect((await get(service, paths.sidebar, { headers: { connection: 'close' } })).status).toBe(200);
      const scrape = await get(service, paths.metrics, { headers: { connection: 'close' } });
      expect(scrape.status).toBe(200);
      const total = answers(scrape.body);
      seen.push(total);
      // At least the answer just made, whichever worker gave it and whichever is scraped.
      expect(total).toBeGreaterThan(last);
      last = total;
      expect(scrape.body).toMatch(/^sidebar_scheduler_running 1$/m);
    }
    process.stdout.write(`workers: sidebar answers over 20 scrapes ${JSON.stringify(seen)}\n`);
  });

  it('a worker that dies is replaced, and the port keeps answering', async () => {
    const [victim, survivor] = children(service.pid) as [number, number];
    process.kill(victim, 'SIGKILL');
    const replacement = await waitFor('a replacement worker', async () => children(service.pid).find((pid) => pid !== victim && pid !== survivor));
    await waitFor('the replacement to listen', async () =>
      service.lines.some((line) => line.includes(`"pid":${replacement},`) && line.includes('Server listening')),
    );
    const answers = await Promise.all(Array.from({ length: 6 }, () => get(service, paths.sidebar, { headers: { connection: 'close' } })));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(service.lines.some((line) => line.includes('worker died; starting another'))).toBe(true);
  });

  it('SIGTERM drains every worker: an open stream ends cleanly, each worker shuts down, the primary exits 0', async () => {
    const workers = children(service.pid);
    const stream = await openSse(`${service.base}${paths.stream}`);
    expect(stream.status).toBe(200);
    expect((await stream.next(5000)).event).toBe('sidebar');
    process.kill(service.pid, 'SIGTERM');
    const code = await Promise.race([service.exited, sleep(10_000).then(() => 'timeout')]);
    expect(code).toBe(0);
    for (const pid of workers) expect(alive(pid), `worker ${pid} still running`).toBe(false);
    const shutdowns = service.lines.filter((line) => line.includes('"msg":"shutting down"'));
    expect(shutdowns.map((line) => (JSON.parse(line) as { worker: number }).worker).sort()).toEqual([0, 1]);
    stream.close();
  });
});
