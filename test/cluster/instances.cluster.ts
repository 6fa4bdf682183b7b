import { randomBytes } from 'node:crypto';
import { applySidebarDelta } from '@sportsbook/sidebar-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paths, type Sidebar, type SidebarDelta } from '../../src/contract/index.js';
import {
  type Answer,
  cleanupAll,
  gameCount,
  get,
  migratedDatabase,
  type Sample,
  type Service,
  seedEvents,
  sleep,
  startService,
  steadyLoad,
  waitFor,
} from '../faults/harness.js';
import { deleteRedisKeys } from '../helpers/processes.js';
import { openSse, type SseClient } from '../helpers/sse.js';

/**
 * Three instances of the built service (`node dist/cli.js serve`) on different ports, sharing
 * the machine's real PostgreSQL (a scratch database) and Redis (a key prefix of this run's own):
 * the fleet as the platform runs it. Writes are made by plain SQL, as the platform's own jobs
 * make them, never through the service.
 */

const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `sidebar-cluster-${process.pid}-${randomBytes(3).toString('hex')}`;
type Database = Awaited<ReturnType<typeof migratedDatabase>>;
type Delta = SidebarDelta & { from: number; to: number; etag: string };

let database: Database;
let nextEvent = 0;

/** Ten open events in a sport of their own, committed by plain SQL. */
async function writeEvents(count = 10): Promise<void> {
  await seedEvents(database.direct, count, `cluster-${++nextEvent}-`);
}

/** Every instance's sidebar: status, total game count and ETag. */
async function servedBy(instances: Service[]): Promise<Answer[]> {
  return Promise.all(instances.map((s) => get(s, paths.sidebar)));
}

/**
 * A fleet of `count` instances, each naming itself in pg_stat_activity (application_name
 * sidebar-cluster-<i>), so a test can tell which one runs a statement.
 */
async function startFleet(count: number, env: Record<string, string>): Promise<Service[]> {
  const fleet: Service[] = [];
  for (let i = 0; i < count; i++) {
    const url = new URL(database.directUrl);
    url.searchParams.set('application_name', `sidebar-cluster-${i}`);
    fleet.push(
      await startService({
        DATABASE_URL: url.toString(),
        REDIS_URL: redisUrl,
        CACHE_KEY_PREFIX: prefix,
        DATABASE_QUERY_TIMEOUT_MS: '5000',
        ...env,
      }),
    );
  }
  return fleet;
}

/** A stream client on each instance, past its opening snapshot; returns the clients and the sidebars they hold. */
async function streams(instances: Service[]): Promise<{ clients: SseClient[]; held: Sidebar[] }> {
  const clients = await Promise.all(instances.map((s) => openSse(`${s.base}${paths.stream}`)));
  const held: Sidebar[] = [];
  for (const client of clients) {
    expect(client.status).toBe(200);
    const first = await client.next(5000);
    expect(first.event).toBe('sidebar');
    held.push(JSON.parse(first.data) as Sidebar);
  }
  return { clients, held };
}

/**
 * No instance answered with an older sidebar after having answered a newer one: in these tests
 * writes only add events, so the game count an instance serves never goes down once an answer
 * with a higher count has been received before the next request began.
 */
function neverWentBack(samples: Sample[]): void {
  const byInstance = new Map<number, Sample[]>();
  for (const s of samples.filter((x) => x.status === 200)) byInstance.set(s.instance, [...(byInstance.get(s.instance) ?? []), s]);
  for (const [instance, answers] of byInstance) {
    const done = [...answers].sort((a, b) => a.at + a.ms - (b.at + b.ms));
    for (const answer of answers) {
      const seen = done.filter((d) => d.at + d.ms < answer.at).map((d) => gameCount(d) ?? 0);
      const highest = Math.max(0, ...seen);
      expect(gameCount(answer), `instance ${instance} went back to an older sidebar`).toBeGreaterThanOrEqual(highest);
    }
  }
}

beforeAll(async () => {
  database = await migratedDatabase(2000);
});

afterAll(async () => {
  try {
    await cleanupAll(); // the instances first: they write the keys
  } finally {
    await deleteRedisKeys(redisUrl, prefix);
  }
});

describe('three instances, change-driven (the default configuration)', () => {
  let instances: Service[];

  beforeAll(async () => {
    // The schedule far away: whatever refreshes during these tests, the changes did.
    instances = await startFleet(3, { SCHEDULER_ENABLED: 'true', SIDEBAR_REFRESH_INTERVAL_SECONDS: '3600' });
  });

  it('a direct SQL change to odds_events is served by all three within 2 s, with one ETag, and every SSE client receives the delta', async () => {
    const { clients, held } = await streams(instances);
    const before = gameCount((await servedBy(instances))[0] as Answer) as number;
    const load = steadyLoad(instances, 150);

    const from = performance.now();
    await writeEvents();
    await waitFor('all three serving the change', async () => (await servedBy(instances)).every((a) => gameCount(a) === before + 10), 5000, 20);
    const visibleMs = performance.now() - from;
    const answers = await servedBy(instances);

    const deltas = await Promise.all(clients.map((c) => c.next(5000)));
    const deliveredMs = performance.now() - from;
    neverWentBack(await load.stop());
    for (const client of clients) client.close();
    process.stdout.write(
      `cluster: a SQL change visible on all three after ${Math.round(visibleMs)} ms, its delta on every stream after ${Math.round(deliveredMs)} ms\n`,
    );

    expect(visibleMs).toBeLessThan(2000);
    expect(new Set(answers.map((a) => a.headers.etag)).size).toBe(1);
    const { rows } = await database.direct.query<{ trigger: string }>(
      `select trigger from sidebar_refresh_log where status = 'success' order by id desc limit 1`,
    );
    expect(rows[0]?.trigger).toBe('change');
    deltas.forEach((delta, i) => {
      expect(delta.event).toBe('delta');
      const body = JSON.parse(delta.data) as Delta;
      expect(body.etag).toBe(answers[i]?.headers.etag);
      expect(applySidebarDelta(held[i] as Sidebar, body)).toEqual(JSON.parse((answers[i] as Answer).body));
    });
  });

  it('under a steady stream of writes, the three refresh at most once per minimum gap (500 ms) between them, and end at the last write', async () => {
    const before = gameCount((await servedBy(instances))[0] as Answer) as number;
    const { rows: start } = await database.direct.query<{ id: number }>('select coalesce(max(id), 0) as id from sidebar_refresh_log');
    const writes = 40;
    const from = performance.now();
    for (let i = 0; i < writes; i++) {
      await writeEvents(1);
      await sleep(100);
    }
    await waitFor('all three at the last write', async () => (await servedBy(instances)).every((a) => gameCount(a) === before + writes), 5000, 20);
    const elapsedMs = performance.now() - from;
    const { rows } = await database.direct.query<{ started_at: Date; finished_at: Date }>(
      `select started_at, finished_at from sidebar_refresh_log where id > $1 and status = 'success' and trigger = 'change' order by id`,
      [start[0]?.id],
    );
    process.stdout.write(`cluster: ${writes} writes over ${writes / 10} s, ${rows.length} change-driven refreshes\n`);
    // Four seconds or so of writes: two refreshes a second at most, not one per write or per instance.
    expect(rows.length).toBeGreaterThanOrEqual(4);
    expect(rows.length).toBeLessThanOrEqual(Math.ceil(elapsedMs / 500) + 1);
    for (let i = 1; i < rows.length; i++) {
      const gap = (rows[i] as { started_at: Date }).started_at.getTime() - (rows[i - 1] as { finished_at: Date }).finished_at.getTime();
      expect(gap).toBeGreaterThanOrEqual(490);
    }
  });

  it('killing an instance, even the one running the refresh, loses nothing: the others serve the change and push it', async () => {
    const { clients, held } = await streams(instances);
    const before = gameCount((await servedBy(instances))[0] as Answer) as number;
    const load = steadyLoad(instances, 150);

    // Hold the refresh back (it writes sidebar_league_counts; the instances' reads of the view
    // and odds_events' writers do not touch it), so whoever takes it is known and can be killed
    // while it runs.
    const blocker = await database.direct.connect();
    let victim: number;
    let from: number;
    try {
      // Should the test hang on the lock, PostgreSQL ends the session, and the cleanup can run.
      await blocker.query(`set idle_in_transaction_session_timeout = '20s'`);
      await blocker.query('begin');
      await blocker.query('lock table sidebar_league_counts in access exclusive mode');
      await writeEvents();
      const name = await waitFor(
        'a change-driven refresh waiting on the lock',
        async () => {
          const { rows } = await database.direct.query<{ application_name: string }>(
            `select application_name from pg_stat_activity
             where datname = current_database() and query like '%refresh_sidebar_data_if_changed%' and wait_event_type = 'Lock'`,
          );
          return rows[0]?.application_name;
        },
        10_000,
      );
      victim = Number(name.replace('sidebar-cluster-', ''));
      from = load.now();
      await (instances[victim] as Service).kill('SIGKILL');
    } finally {
      await blocker.query('rollback');
      blocker.release();
    }

    const survivors = instances.filter((_, i) => i !== victim);
    await waitFor('the survivors serving the change', async () => (await servedBy(survivors)).every((a) => gameCount(a) === before + 10), 10_000, 20);
    const recoveredMs = load.now() - from;
    const samples = await load.stop();
    const answers = await servedBy(survivors);
    process.stdout.write(`cluster: instance ${victim} killed mid-refresh; the survivors served the change ${Math.round(recoveredMs)} ms later\n`);

    const onSurvivors = samples.filter((s) => s.instance !== victim);
    expect(onSurvivors.filter((s) => s.status !== 200).length).toBe(0);
    neverWentBack(onSurvivors);
    for (const [i, client] of clients.entries()) {
      if (i === victim) {
        await client.ended;
        continue;
      }
      const delta = await client.next(5000);
      const body = JSON.parse(delta.data) as Delta;
      const answer = answers[survivors.indexOf(instances[i] as Service)] as Answer;
      expect(applySidebarDelta(held[i] as Sidebar, body)).toEqual(JSON.parse(answer.body));
      client.close();
    }
    instances = survivors;
  });
});

describe('three instances on a short schedule, no change polling', () => {
  it('each scheduler tick refreshes once across the three (the others skip), and all three serve it', async () => {
    const { rows: start } = await database.direct.query<{ id: number }>('select coalesce(max(id), 0) as id from sidebar_refresh_log');
    await writeEvents();
    const fleet = await startFleet(3, { SCHEDULER_ENABLED: 'true', SIDEBAR_REFRESH_INTERVAL_SECONDS: '2', SIDEBAR_CHANGE_POLL_MS: '0' });
    // Past the start-up refresh and the tick it stands for (a refresh within half an interval
    // counts as the tick's), then three or four ticks.
    await sleep(2500);
    const startedAt = new Date();
    await sleep(6500);
    const { rows: calls } = await database.direct.query<{ started_at: Date; status: string }>(
      `select started_at, status from sidebar_refresh_log
       where id > $1 and trigger = 'scheduler' and started_at >= $2 order by started_at`,
      [start[0]?.id, startedAt],
    );
    // A tick: the three instances' calls, within a second of each other (2 s apart from the
    // next tick's). Not by calendar second: a loaded machine spreads one tick across a boundary.
    const rows: { tick: string; successes: number; calls: number }[] = [];
    let previous = Number.NEGATIVE_INFINITY;
    for (const call of calls) {
      const at = call.started_at.getTime();
      if (at - previous > 1000) rows.push({ tick: call.started_at.toISOString(), successes: 0, calls: 0 });
      previous = at;
      const tick = rows.at(-1) as (typeof rows)[number];
      tick.calls++;
      if (call.status === 'success') tick.successes++;
    }
    process.stdout.write(`cluster: scheduler ticks ${JSON.stringify(rows)}\n`);
    expect(rows.length).toBeGreaterThanOrEqual(3);
    for (const tick of rows) expect(tick).toMatchObject({ successes: 1, calls: 3 });
    const answers = await servedBy(fleet);
    expect(new Set(answers.map((a) => a.headers.etag)).size).toBe(1);
    const { rows: open } = await database.direct.query<{ n: number }>(`select count(*)::int as n from odds_events where status in ('scheduled', 'live')`);
    for (const answer of answers) expect(gameCount(answer)).toBe(open[0]?.n);
  });
});
