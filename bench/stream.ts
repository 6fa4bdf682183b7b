/**
 * `npm run bench:stream`: how many idle Server-Sent Events clients one instance holds, and how
 * fast it delivers a change to all of them (the goal: 50,000 clients on one machine, a change to
 * all within 1 s at p99, RSS under 1.5 GB, /health p99 under 100 ms during the fan-out).
 *
 * One instance of the built service (real processes: WEB_CONCURRENCY workers sharing the port)
 * on PostgreSQL and Redis; the clients in separate processes (bench/stream-clients.ts) on
 * loopback, spread over several 127.0.0.x source addresses (one address has about 28k
 * ephemeral ports). Every process runs with the file limit raised as far as the machine allows
 * (here a process may hold 20,000 files): the workers are as many as the largest level needs at
 * 90% of that limit each (the primary hands connections out round-robin, so they share the
 * clients evenly), or `--workers`; the clients are spread over as many processes as their limit
 * needs. A level past what the workers can hold is run at the most they can (and says so).
 * The refresh is asked of one worker; the others learn the version as other instances do
 * (Redis pub/sub, the database's wake-up), which the delivery latency includes.
 * For each level (1k, 10k, 50k clients, opened cumulatively): once every client holds the
 * sidebar, `--changes` times: one event is inserted by SQL and the instance refreshes
 * (POST /refresh), which publishes the new version to its streams; the delivery latency is from
 * the refresh request to each client's receipt of the delta. Meanwhile GET /health is timed
 * every 20 ms: the event loop's lag as a request sees it. Printed per level: delivery p50/p99/
 * max, the clients that missed a delta, the refresh's own duration, the service's RSS, CPU and
 * event loop lag (all its processes summed), and each client process's CPU (to show none was
 * the bottleneck).
 *
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres BENCH_REDIS_URL=redis://127.0.0.1:6379 npm run bench:stream
 *   options: --levels 1000,10000,50000 --changes 10 --events 100000 --workers <n>
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { migrate } from '../src/db/migrate.js';
import { freePort } from '../test/helpers/free-port.js';
import { children as childPids, cpuTicks, rssMb } from '../test/helpers/proc.js';
import { fillEvents, scratchPostgres } from './data.js';
import { percentile, round } from './figures.js';

const { values: args } = parseArgs({
  options: {
    levels: { type: 'string', default: '1000,10000,50000' },
    changes: { type: 'string', default: '10' },
    events: { type: 'string', default: '100000' },
    workers: { type: 'string' },
  },
});
const levels = args.levels.split(',').map(Number);
const changes = Number(args.changes);
const adminUrl = process.env.BENCH_DATABASE_URL;
const redisUrl = process.env.BENCH_REDIS_URL;
if (!adminUrl || !redisUrl) throw new Error('bench:stream needs BENCH_DATABASE_URL and BENCH_REDIS_URL (PostgreSQL and Redis, as in production)');
const root = join(import.meta.dirname, '..');
const wanted = Math.max(...levels) + 10_000;
// What a process may raise its limit to: the hard limit (only CAP_SYS_RESOURCE goes past it).
const hardLimit = Number(execFileSync('bash', ['-c', 'ulimit -Hn']).toString().trim()) || Number.POSITIVE_INFINITY;
const fileLimit = Math.min(wanted, hardLimit);
/** Sockets one process can hold: its file limit less what it needs besides (database, Redis, files). */
const perProcess = fileLimit - 500;
/** Workers: enough that each holds at most 90% of what its file limit allows (connections are handed out in turn). */
const workers = Number(args.workers ?? Math.max(1, Math.ceil(Math.max(...levels) / (perProcess * 0.9))));
// Sixteen source addresses: a client socket binds its address before it connects, and the
// kernel's search for a free port on an address slows as the address's ports fill (and stay
// in TIME_WAIT after a run), which slowed opening 50,000 over four addresses to a minute.
const addresses = Array.from({ length: 16 }, (_, i) => `127.0.0.${i + 2}`);
const adminKey = `bench-stream-${randomBytes(12).toString('hex')}`;
const now = () => performance.timeOrigin + performance.now();
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/** A command run with the file limit raised (bash's ulimit: the hard limit too, as root). */
function withFileLimit(command: string[], env: NodeJS.ProcessEnv, ipc = false): ChildProcess {
  const quoted = command.map((c) => `'${c.replaceAll("'", "'\\''")}'`).join(' ');
  return spawn('bash', ['-c', `ulimit -n ${fileLimit}; exec ${quoted}`], {
    env,
    stdio: ipc ? ['ignore', 'inherit', 'inherit', 'ipc'] : ['ignore', 'inherit', 'inherit'],
  });
}

function http(port: number, path: string, method = 'GET'): Promise<{ status: number; body: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, agent: false, headers: { authorization: `Bearer ${adminKey}` } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, ms: performance.now() - started }));
    });
    req.on('error', reject);
    req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
    req.end();
  });
}

/** The instance's RSS (all processes, and one by one: the primary, then its workers) and CPU seconds (summed). */
function instanceStats(primary: number): { rssMb: number; cpuSeconds: number; perProcessMb: number[] } {
  const pids = [primary, ...childPids(primary)];
  const perProcessMb = pids.map(rssMb);
  return { rssMb: sum(perProcessMb), cpuSeconds: sum(pids.map(cpuTicks)) / 100, perProcessMb };
}

function ask<T>(child: ChildProcess, message: object, answer: string): Promise<T> {
  return new Promise((resolve) => {
    const listener = (reply: { type: string }) => {
      if (reply.type !== answer) return;
      child.off('message', listener);
      resolve(reply as T);
    };
    child.on('message', listener);
    child.send(message);
  });
}

interface Collected {
  latencies: number[];
  ready: number;
  /** The client process's CPU time and the wall time while it waited for the delta. */
  cpuMs: number;
  wallMs: number;
  lagP99Ms: number;
}

/** Asks every client process, and merges what they answer. */
async function askAll<T>(clients: ChildProcess[], message: (i: number) => object, answer: string): Promise<T[]> {
  return Promise.all(clients.map((child, i) => ask<T>(child, message(i), answer)));
}

interface Row {
  requested: number;
  clients: number;
  connected: number;
  open_s: number;
  deliveries: number;
  missed: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  refresh_ms: number;
  rss_mb: number;
  /** The primary's RSS, then each worker's. */
  rss_by_process_mb: number[];
  service_cpu_pct: number;
  health_p99_ms: number;
  health_max_ms: number;
  /** Each client process's CPU during the deliveries: none may be near a whole core, or its own delay is measured. */
  client_cpu_by_process_pct: number[];
  client_lag_p99_ms: number;
}

async function run(): Promise<void> {
  const scratch = await scratchPostgres(adminUrl as string, 'stream');
  const children: ChildProcess[] = [];
  const rows: Row[] = [];
  try {
    await migrate(scratch.db);
    await fillEvents(scratch.db, Number(args.events), 0.03);
    await scratch.db.query(`select refresh_sidebar_data('manual', 3600)`);

    const port = await freePort();
    const service = withFileLimit([process.execPath, join(root, 'dist/cli.js'), 'serve'], {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      DATABASE_URL: scratch.url,
      REDIS_URL: redisUrl,
      CACHE_KEY_PREFIX: `sidebar-bench-stream-${process.pid}`,
      ADMIN_API_KEY: adminKey,
      SEED_DEMO_DATA: 'false',
      // Versions come from this benchmark's refreshes only.
      SCHEDULER_ENABLED: 'false',
      SIDEBAR_CHANGE_POLL_MS: '0',
      SIDEBAR_REFRESH_RATE_LIMIT: '100000',
      WEB_CONCURRENCY: String(workers),
      // Per worker; the benchmark's clients come from a few addresses, so no address share applies.
      STREAM_MAX_CLIENTS: String(Math.max(...levels) + 1000),
      STREAM_MAX_SHARE_PER_ADDRESS: '1',
    });
    children.push(service);
    for (let i = 0; ; i++) {
      if ((await http(port, '/ready').catch(() => ({ status: 0 }))).status === 200) break;
      if (i > 300) throw new Error('the service did not become ready');
      await sleep(100);
    }
    const capacity = Math.floor((perProcess * workers * 0.9) / 1000) * 1000;
    const processes = Math.ceil(Math.min(Math.max(...levels), capacity) / perProcess);
    const clients = Array.from({ length: processes }, () =>
      withFileLimit([process.execPath, '--import', 'tsx', join(root, 'bench/stream-clients.ts')], process.env, true),
    );
    children.push(...clients);
    console.log(
      `file limit ${fileLimit} (hard limit ${hardLimit}): ${workers} worker(s), up to ${capacity} clients on the instance, from ${processes} client process(es)`,
    );

    let event = 0;
    for (const requested of levels) {
      const level = Math.min(requested, capacity);
      if (level < requested) console.log(`${requested} clients need more files than this machine lets a process open: running ${level}`);
      const parts = await askAll<{ ready: number; failed: number; ms: number }>(
        clients,
        (i) => ({
          type: 'open',
          port,
          total: Math.floor(level / processes) + (i < level % processes ? 1 : 0),
          addresses,
          path: '/api/v1/shared/sidebar/stream',
        }),
        'opened',
      );
      const opened = { ready: sum(parts.map((p) => p.ready)), failed: sum(parts.map((p) => p.failed)), ms: Math.max(...parts.map((p) => p.ms)) };
      console.log(`${opened.ready} clients hold the sidebar (${opened.failed} failed to connect), opened in ${round(opened.ms / 1000, 1)} s`);
      await sleep(2000); // settle: the opening burst's garbage collected, buffers drained
      const latencies: number[] = [];
      const health: number[] = [];
      const refreshMs: number[] = [];
      let missed = 0;
      // CPU and wall time while changes are delivered (the refresh request until every client has the delta).
      let serviceCpuMs = 0;
      let fanOutMs = 0;
      const clientCpuMs = clients.map(() => 0);
      const clientWallMs = clients.map(() => 0);
      let clientLagP99Ms = 0;
      for (let c = 0; c < changes; c++) {
        await scratch.db.query(
          `insert into odds_events (id, sport_id, sport, league_id, league, commence_time, status)
           select 'stream-' || $1, sport_id, sport, league_id, league, now() + interval '3 hours', 'scheduled' from odds_events
           where status = 'scheduled' limit 1`,
          [++event],
        );
        let probing = true;
        const prober = (async () => {
          while (probing) {
            health.push((await http(port, '/health').catch(() => ({ ms: Number.POSITIVE_INFINITY }))).ms);
            await sleep(20);
          }
        })();
        const since = now();
        const cpuBefore = instanceStats(service.pid as number).cpuSeconds;
        const refreshed = await http(port, '/api/v1/shared/sidebar/refresh', 'POST');
        const log = JSON.parse(refreshed.body) as { id: number; status: string; duration_ms: number };
        if (log.status !== 'success') throw new Error(`refresh: ${refreshed.body}`);
        refreshMs.push(log.duration_ms);
        const collected = await askAll<Collected>(clients, () => ({ type: 'collect', version: log.id, since, timeoutMs: 10_000 }), 'collected');
        serviceCpuMs += (instanceStats(service.pid as number).cpuSeconds - cpuBefore) * 1000;
        fanOutMs += now() - since;
        probing = false;
        await prober;
        for (const part of collected) {
          latencies.push(...part.latencies);
          missed += Math.max(0, part.ready - part.latencies.length);
        }
        for (const [i, part] of collected.entries()) {
          clientCpuMs[i] = (clientCpuMs[i] ?? 0) + part.cpuMs;
          clientWallMs[i] = (clientWallMs[i] ?? 0) + part.wallMs;
        }
        clientLagP99Ms = Math.max(clientLagP99Ms, ...collected.map((p) => p.lagP99Ms));
        await sleep(500);
      }
      const stats = instanceStats(service.pid as number);
      const sorted = latencies.sort((a, b) => a - b);
      const healthSorted = health.sort((a, b) => a - b);
      const row: Row = {
        requested,
        clients: level,
        connected: opened.ready,
        open_s: round(opened.ms / 1000, 1),
        deliveries: sorted.length,
        missed,
        p50_ms: round(percentile(sorted, 50), 1),
        p99_ms: round(percentile(sorted, 99), 1),
        max_ms: round(sorted.at(-1) ?? Number.NaN, 1),
        refresh_ms: round(refreshMs.reduce((a, b) => a + b, 0) / refreshMs.length, 1),
        rss_mb: stats.rssMb,
        rss_by_process_mb: stats.perProcessMb,
        service_cpu_pct: round((serviceCpuMs / fanOutMs) * 100),
        health_p99_ms: round(percentile(healthSorted, 99), 1),
        health_max_ms: round(healthSorted.at(-1) ?? Number.NaN, 1),
        client_cpu_by_process_pct: clientCpuMs.map((cpu, i) => round((cpu / (clientWallMs[i] as number)) * 100)),
        client_lag_p99_ms: round(clientLagP99Ms, 1),
      };
      rows.push(row);
      console.log(JSON.stringify(row));
    }
    await askAll(clients, () => ({ type: 'exit' }), 'bye');
  } finally {
    // Gone before their database is dropped (which would end their connections, and they would
    // log it): the instance's workers first, then every process this benchmark started.
    for (const pid of children[0]?.pid ? childPids(children[0].pid) : []) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // exited since
      }
    }
    await Promise.all(
      children.map((child) =>
        child.exitCode === null && child.signalCode === null ? new Promise((resolve) => child.once('exit', resolve).kill('SIGKILL')) : null,
      ),
    );
    await scratch.drop();
  }
  console.log(
    `\n${workers} worker(s). Service RSS: all its processes (the primary and each worker in brackets); service CPU: all its processes, % of one core, while changes were delivered (from the refresh request until every client had the delta); client CPU: each client process, over the same span.`,
  );
  console.log(
    '| clients (requested) | connected (open time) | deliveries (missed) | delivery p50 | p99 | max | refresh | service RSS | service CPU | /health p99 (max) | client CPU | client loop lag p99 |',
  );
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(
      `| ${r.clients.toLocaleString('en')}${r.requested > r.clients ? ` (${r.requested.toLocaleString('en')})` : ''} | ${r.connected.toLocaleString('en')} (${r.open_s} s) | ${r.deliveries.toLocaleString('en')} (${r.missed}) | ${r.p50_ms} ms | ${r.p99_ms} ms | ${r.max_ms} ms | ${r.refresh_ms} ms | ${r.rss_mb} MB (${r.rss_by_process_mb.join(' + ')}) | ${r.service_cpu_pct}% | ${r.health_p99_ms} ms (${r.health_max_ms}) | ${r.client_cpu_by_process_pct.map((c) => `${c}%`).join(', ')} | ${r.client_lag_p99_ms} ms |`,
    );
  }
}

await run();
