/**
 * `npm run bench:freshness`: how soon a write to odds_events is served by every instance, and
 * what keeping the sidebar fresh costs the database.
 *
 * For each table size (1M events, 3% open; 5M, 2% open), each write rate (10, 100 and 1,000
 * status updates a second, one statement each, on random open events) and each setting (the
 * minimum gap SIDEBAR_CHANGE_MIN_GAP_MS, with or without wake-ups SIDEBAR_WAKEUPS), with two
 * instances of the built service (real processes) on the same PostgreSQL and Redis:
 *   - a probe, at random moments (0.2-1.2 s apart), turns one more event of a probe league live and times, for each
 *     instance, how long until GET /api/v1/shared/sidebar shows it (polled every 10 ms);
 *   - the refresh log gives the change-driven refreshes per second and the database time they
 *     took per second (and that as a share of one core);
 *   - the CPU of the database connections the instances hold (application_name sidebar-service
 *     and sidebar-service-listen, their backends' CPU read from /proc every 500 ms) is what
 *     keeping the sidebar fresh costs the database in all: refreshes, polls, version reads,
 *     notifications (the writers' own statements and triggers are not in it);
 *   - the database's function statistics (track_functions) split a change-driven refresh into
 *     applying the change records, rebuilding the rows of the leagues they touched, and the rest
 *     (REFRESH ... CONCURRENTLY of the view, the log), per refresh, with the records it applied.
 * A window the schedule's full refresh fell in says so: that refresh is in its CPU and parts.
 * Before each window it vacuums the service's tables, as autovacuum would (the database need not
 * run it: this machine's does not).
 * It prints one table and the CPU the benchmark process itself used (its writers and readers),
 * to show it was not the bottleneck. The database must be on this machine for the CPU column.
 *
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres BENCH_REDIS_URL=redis://127.0.0.1:6379 npm run bench:freshness
 *   options: --sizes 1000000,5000000 --rates 10,100,1000 --seconds 20 --settings 500:on,500:off (gap ms : wake-ups)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { migrate } from '../src/db/migrate.js';
import { freePort } from '../test/helpers/free-port.js';
import { cpuTicks } from '../test/helpers/proc.js';
import { fillEvents, scratchPostgres } from './data.js';
import { percentile, round } from './figures.js';

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000000,5000000' },
    rates: { type: 'string', default: '10,100,1000' },
    seconds: { type: 'string', default: '20' },
    settings: { type: 'string', default: '500:on,500:off' },
  },
});
/** Each setting measured: the minimum gap between change-driven refreshes, and whether the instances LISTEN. */
const settings = args.settings.split(',').map((setting) => {
  const [gap, wakeups] = setting.split(':');
  return { gapMs: Number(gap), wakeups: wakeups !== 'off' };
});
const sizes = args.sizes.split(',').map(Number);
const rates = args.rates.split(',').map(Number);
const seconds = Number(args.seconds);
const adminUrl = process.env.BENCH_DATABASE_URL;
const redisUrl = process.env.BENCH_REDIS_URL;
if (!adminUrl || !redisUrl) throw new Error('bench:freshness needs BENCH_DATABASE_URL and BENCH_REDIS_URL (PostgreSQL and Redis, as in production)');
const root = join(import.meta.dirname, '..');

function getJson(url: string): Promise<{ sports: Array<{ leagues: Array<{ league_id: string; live_game_count: number }> }> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { 'accept-encoding': 'identity' }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => {
        try {
          resolve(JSON.parse(body));
        } catch (err) {
          reject(err);
        }
      });
    });
    req.on('error', reject);
    req.setTimeout(2000, () => req.destroy(new Error('timeout')));
    req.end();
  });
}

async function probeLive(url: string): Promise<number> {
  const body = await getJson(url);
  for (const sport of body.sports) for (const league of sport.leagues) if (league.league_id === 'freshness-probe') return league.live_game_count;
  return 0;
}

/** CPU seconds a process has used so far (user + system), or null once it is gone. */
function cpuSeconds(pid: number): number | null {
  try {
    return cpuTicks(pid) / 100; // USER_HZ on Linux
  } catch {
    return null;
  }
}

/**
 * The CPU the service's database connections use from now until stop(): every 500 ms, the
 * backends whose application_name is the service's (pg_stat_activity) and their CPU (/proc).
 * A backend that ends between two samples loses its last half second: the pools keep theirs.
 */
function meterServiceBackends(pool: pg.Pool) {
  const seen = new Map<number, { first: number; last: number }>();
  const sample = async () => {
    const { rows } = await pool.query<{ pid: number }>(
      `select pid from pg_stat_activity where datname = current_database() and application_name like 'sidebar-service%'`,
    );
    for (const { pid } of rows) {
      const cpu = cpuSeconds(pid);
      if (cpu === null) continue;
      const entry = seen.get(pid);
      if (entry) entry.last = cpu;
      else seen.set(pid, { first: cpu, last: cpu });
    }
  };
  let sampling = true;
  const loop = (async () => {
    while (sampling) {
      await sample();
      await sleep(500);
    }
    await sample();
  })();
  return async () => {
    sampling = false;
    await loop;
    let total = 0;
    for (const { first, last } of seen.values()) total += last - first;
    return total;
  };
}

async function startInstance(databaseUrl: string, prefix: string, setting: { gapMs: number; wakeups: boolean }): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(root, 'dist/cli.js'), 'serve'], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      CACHE_KEY_PREFIX: prefix,
      SEED_DEMO_DATA: 'false',
      DATABASE_REFRESH_TIMEOUT_MS: '120000',
      SIDEBAR_CHANGE_MIN_GAP_MS: String(setting.gapMs),
      SIDEBAR_WAKEUPS: String(setting.wakeups),
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    try {
      await getJson(`${base}/ready`);
      return { url: `${base}/api/v1/shared/sidebar`, child };
    } catch {
      await sleep(100);
    }
  }
  throw new Error('instance did not become ready');
}

interface Row {
  events: number;
  open: number;
  gap_ms: number;
  wakeups: boolean;
  rate_target: number;
  rate_done: number;
  probes: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  refreshes_per_s: number;
  refresh_ms_per_s: number;
  db_core_pct: number;
  /** What the instances' database connections spent, % of one core. */
  db_cpu_pct: number;
  /** Per change-driven refresh, ms: applying the change records, rebuilding the touched leagues' rows, the rest (REFRESH of the view, the log). */
  apply_ms: number;
  rows_ms: number;
  view_ms: number;
  /** Change records applied per refresh. */
  records: number;
  /** Other refreshes in the window (the schedule's full one): in db_cpu_pct and the parts too. */
  other_refreshes: number;
}

/** The functions refreshParts() reads: the refresh, and the two parts it calls. */
const refreshFunctions = ['refresh_sidebar_data', 'sidebar_counts_apply_changes', 'sidebar_league_rows_rebuild'];

/** The change records written so far: their ids come from one sequence. */
async function recordsSoFar(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ n: string | null }>(`select pg_sequence_last_value(pg_get_serial_sequence('sidebar_changes', 'id'))::text as n`);
  return Number(rows[0]?.n ?? 0);
}

/**
 * Where a change-driven refresh's time goes, from the database's function statistics
 * (track_functions, on for the benchmark's database): totals since their counters were reset,
 * read once the instances' backends have exited (a backend flushes its statistics then).
 */
async function refreshParts(pool: pg.Pool, refreshes: number) {
  const { rows } = await pool.query<{ funcname: string; total: number; self: number }>(
    'select funcname, total_time as total, self_time as self from pg_stat_user_functions where funcname = any($1)',
    [refreshFunctions],
  );
  const of = (name: string) => rows.find((r) => r.funcname === name);
  const per = (ms: number | undefined) => round((ms ?? 0) / Math.max(refreshes, 1), 1);
  return {
    apply_ms: per(of('sidebar_counts_apply_changes')?.total),
    rows_ms: per(of('sidebar_league_rows_rebuild')?.total),
    view_ms: per(of('refresh_sidebar_data')?.self),
  };
}

async function run(): Promise<void> {
  const scratch = await scratchPostgres(adminUrl as string, 'freshness');
  const pool = new pg.Pool({ connectionString: scratch.url, max: 8 });
  // The scratch database is dropped with its connections: an idle one's error is expected then.
  pool.on('error', () => {});
  const instances: ChildProcess[] = [];
  const rows: Row[] = [];
  const cpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  try {
    await migrate(scratch.db);
    // Function statistics for refreshParts(), in the sessions opened from now on (the instances').
    await scratch.db.query(`do $$ begin execute format('alter database %I set track_functions = %L', current_database(), 'pl'); end $$`);
    for (const size of sizes) {
      const t = performance.now();
      await fillEvents(scratch.db, size, size >= 5_000_000 ? 0.02 : 0.03);
      await scratch.db.query(
        `insert into odds_events (id, sport_id, sport, league_id, league, commence_time, status)
         select 'probe-' || g, 'darts', 'Darts', 'freshness-probe', 'Probe', now() + interval '2 hours', 'scheduled'
         from generate_series(1, 5000) g`,
      );
      await scratch.db.query(`select refresh_sidebar_data('manual', 3600)`);
      await scratch.db.query('delete from sidebar_changes');
      // As autovacuum would after a bulk load (the visibility map the open-events index scans use).
      await scratch.db.query('vacuum analyze odds_events', [], { timeoutMs: 600_000 });
      const { rows: openRows } = await scratch.db.query<{ n: number }>(`select count(*)::integer as n from odds_events where status in ('scheduled', 'live')`);
      const open = openRows[0]?.n ?? 0;
      const { rows: idRows } = await scratch.db.query<{ id: string }>(
        `select id from odds_events where status in ('scheduled', 'live') and league_id <> 'freshness-probe' limit 50000`,
      );
      const ids = idRows.map((r) => r.id);
      console.log(`${size} events (${open} open) ready in ${round((performance.now() - t) / 1000, 1)} s`);

      // Writers: `rate` single-statement updates a second, spread over 10 ms ticks; stop() ends them and says how many were done.
      const startWriters = (rate: number) => {
        let done = 0;
        let writing = true;
        const writer = (async () => {
          const perTick = rate / 100;
          let owed = 0;
          const inFlight = new Set<Promise<unknown>>();
          while (writing) {
            owed += perTick;
            while (owed >= 1) {
              owed--;
              const id = ids[Math.floor(Math.random() * ids.length)];
              const p = pool
                .query(`update odds_events set status = case status when 'live' then 'scheduled' else 'live' end where id = $1`, [id])
                .then(() => done++)
                .finally(() => inFlight.delete(p));
              inFlight.add(p);
            }
            await sleep(10);
          }
          await Promise.all(inFlight);
        })();
        return async () => {
          writing = false;
          await writer;
          return done;
        };
      };

      let probeIndex = 0;
      for (const rate of rates) {
        for (const setting of settings) {
          const urls: string[] = [];
          for (let i = 0; i < 2; i++) {
            const instance = await startInstance(scratch.url, `sidebar-bench-fresh-${process.pid}-${size}`, setting);
            instances.push(instance.child);
            urls.push(instance.url);
          }
          await sleep(1000); // the instances' start-up (first reads, LISTEN and its probe) is not what is measured
          // The service's tables as autovacuum leaves them at least once a minute in production: the
          // change records' queue is written and emptied 2,000 rows a second here, and a check for
          // waiting records walks the dead ones' index entries until a vacuum. Done by hand because
          // the database may run without autovacuum (this machine's does): the queue then grew by
          // every window before, and the later windows paid for it (applying 6 records took 5-6 ms).
          await pool.query('vacuum sidebar_changes, sidebar_league_starts, sidebar_league_counts, sidebar_league_rows, sidebar_data, sidebar_refresh_log');
          // The three functions' counters only: pg_stat_reset() would also zero the tables' dead-row
          // counts, which autovacuum goes by, and leave the change records' queue unvacuumed.
          await pool.query('select pg_stat_reset_single_function_counters(p.oid) from pg_proc p where p.proname = any($1)', [refreshFunctions]);
          const recordsBefore = await recordsSoFar(pool);

          const stopWriters = startWriters(rate);
          const windowStart = new Date();
          const stopMeter = meterServiceBackends(pool);
          const latencies: number[] = [];
          const started = performance.now();
          while (performance.now() - started < seconds * 1000) {
            probeIndex++;
            await pool.query(`update odds_events set status = 'live' where id = $1`, [`probe-${probeIndex}`]);
            const committed = performance.now();
            const expected = probeIndex;
            await Promise.all(
              urls.map(async (url) => {
                while (performance.now() - committed < 10_000) {
                  try {
                    if ((await probeLive(url)) >= expected) {
                      latencies.push(performance.now() - committed);
                      return;
                    }
                  } catch {}
                  await sleep(10);
                }
                latencies.push(Number.POSITIVE_INFINITY);
              }),
            );
            // The next probe at a random moment: writes do not wait for refreshes to line up with them.
            await sleep(200 + Math.random() * 1000);
          }
          const done = await stopWriters();
          const windowSeconds = (performance.now() - started) / 1000;
          const corePct = ((await stopMeter()) / windowSeconds) * 100;
          const { rows: log } = await scratch.db.query<{ n: number; ms: number | null }>(
            `select count(*)::integer as n, sum(duration_ms) as ms from sidebar_refresh_log where trigger = 'change' and status = 'success' and started_at >= $1`,
            [windowStart],
          );
          const records = (await recordsSoFar(pool)) - recordsBefore;
          for (const child of instances.splice(0)) {
            child.kill('SIGTERM');
            await new Promise((resolve) => child.once('exit', resolve));
          }
          const refreshes = log[0]?.n ?? 0;
          const { rows: others } = await pool.query<{ n: number }>(
            `select count(*)::integer as n from sidebar_refresh_log where trigger <> 'change' and status = 'success' and started_at >= $1`,
            [windowStart],
          );
          const sorted = latencies.sort((a, b) => a - b);
          const refreshMsPerS = (log[0]?.ms ?? 0) / windowSeconds;
          const row: Row = {
            events: size,
            open,
            gap_ms: setting.gapMs,
            wakeups: setting.wakeups,
            rate_target: rate,
            rate_done: round(done / windowSeconds),
            probes: sorted.length,
            p50_ms: round(percentile(sorted, 50)),
            p99_ms: round(percentile(sorted, 99)),
            max_ms: round(sorted.at(-1) ?? Number.NaN),
            refreshes_per_s: round(refreshes / windowSeconds, 2),
            refresh_ms_per_s: round(refreshMsPerS, 1),
            db_core_pct: round(refreshMsPerS / 10, 1),
            db_cpu_pct: round(corePct, 1),
            ...(await refreshParts(pool, refreshes)),
            records: Math.round(records / Math.max(refreshes, 1)),
            other_refreshes: others[0]?.n ?? 0,
          };
          rows.push(row);
          console.log(JSON.stringify(row));
        }
      }
    }
  } finally {
    for (const child of instances) child.kill('SIGKILL');
    await pool.end();
    await scratch.drop();
  }
  const cpu = process.cpuUsage(cpuBefore);
  const wall = (performance.now() - wallBefore) / 1000;
  console.log(
    '\n| events | open | gap | wake-ups | updates/s (target → done) | probes | visible p50 | p99 | max | refreshes/s | refresh ms/s | refreshes, % of one core | service connections, % of one core | per refresh: records | apply | rows | view, log |',
  );
  console.log('|---:|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(
      `| ${r.events.toLocaleString('en')} | ${r.open.toLocaleString('en')} | ${r.gap_ms} ms | ${r.wakeups ? 'on' : 'off'} | ${r.rate_target} → ${r.rate_done} | ${r.probes} | ${r.p50_ms} ms | ${r.p99_ms} ms | ${r.max_ms} ms | ${r.refreshes_per_s} | ${r.refresh_ms_per_s} | ${r.db_core_pct}% | ${r.db_cpu_pct}%${r.other_refreshes ? ` (with ${r.other_refreshes} full)` : ''} | ${r.records} | ${r.apply_ms} ms | ${r.rows_ms} ms | ${r.view_ms} ms |`,
    );
  }
  console.log(`\nbenchmark process (writers, probes, readers): ${round(((cpu.user + cpu.system) / 1e6 / wall) * 100)}% of one core over ${round(wall)} s`);
}

await run();
