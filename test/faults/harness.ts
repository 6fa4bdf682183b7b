import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { appendFileSync, mkdirSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import pg from 'pg';
import { freePort } from '../helpers/free-port.js';
import { createScratchDatabase } from '../helpers/scratch-db.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

/**
 * The fault-injection suite's parts: a redis-server and a PostgreSQL proxy the suite owns,
 * the service as real processes, a steady load, and a report per scenario. Everything it
 * starts it stops by PID; it never touches the machine's own PostgreSQL or Redis beyond a
 * scratch database (created and dropped here).
 */

export const adminKey = `faults-admin-key-${randomBytes(6).toString('hex')}`;
const adminUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const resultsFile = process.env.FAULTS_RESULTS ?? '.ci/out/faults.ndjson';

const cleanups: (() => Promise<unknown>)[] = [];
/** Runs (in reverse) everything the scenario started. */
export async function cleanupAll(): Promise<void> {
  while (cleanups.length) await (cleanups.pop() as () => Promise<unknown>)().catch(() => {});
}

async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 15_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await sleep(intervalMs);
  }
}

/** A redis-server of the suite's own on a free port: killed (SIGKILL), paused (SIGSTOP) and restarted by PID. */
export async function startRedis() {
  const port = await freePort();
  let child: ChildProcess | null = null;
  const launch = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'], {
      stdio: 'ignore',
    });
    const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => {}); // refused until the server listens
    try {
      await waitFor('redis-server', async () => {
        if (probe.status !== 'ready') await probe.connect().catch(() => {});
        return (await probe.ping()) === 'PONG';
      });
    } finally {
      probe.disconnect();
    }
  };
  const signal = (name: NodeJS.Signals) => {
    if (child?.pid && child.exitCode === null) process.kill(child.pid, name);
  };
  await launch();
  const redis = {
    url: `redis://127.0.0.1:${port}`,
    kill: async () => {
      const c = child;
      signal('SIGKILL');
      if (c && c.exitCode === null && c.signalCode === null) await once(c, 'exit');
    },
    pause: () => signal('SIGSTOP'),
    resume: () => signal('SIGCONT'),
    restart: launch,
  };
  cleanups.push(async () => {
    redis.resume();
    await redis.kill();
  });
  return redis;
}

/** A scratch database on the machine's PostgreSQL, reached through proxies the scenario controls. */
export async function startDatabase() {
  const scratch = await createScratchDatabase(adminUrl, `sidebar_faults_${process.pid}_${randomBytes(3).toString('hex')}`);
  cleanups.push(scratch.drop);
  const real = new URL(scratch.url);
  const proxies: TcpProxy[] = [];
  const direct = new pg.Pool({ connectionString: scratch.url, max: 3 });
  direct.on('error', () => {}); // idle clients terminated when the database is dropped
  cleanups.push(() => direct.end());
  return {
    directUrl: scratch.url,
    direct,
    /** A new proxy in front of the database, and the URL through it. */
    async proxy(): Promise<{ proxy: TcpProxy; url: string }> {
      const proxy = await startTcpProxy({ host: real.hostname, port: Number(real.port || 5432) });
      proxies.push(proxy);
      cleanups.push(proxy.close);
      const url = new URL(scratch.url);
      url.host = `127.0.0.1:${proxy.port}`;
      return { proxy, url: url.toString() };
    },
    proxies,
    async version(): Promise<number> {
      const { rows } = await direct.query<{ version: number }>('select version from sidebar_data_version()');
      return Number(rows[0]?.version ?? 0);
    },
  };
}

export interface Service {
  pid: number;
  port: number;
  base: string;
  /** Every line the process wrote (pino JSON or plain text). */
  lines: string[];
  kill(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

/**
 * The service as the platform runs it: `node dist/cli.js serve` (built by `npm run test:faults`)
 * with the given environment. Resolves once it answers /health.
 */
export async function startService(env: Record<string, string>, options: { waitHealthy?: boolean } = {}): Promise<Service> {
  const port = await freePort();
  const child = spawn(process.execPath, ['dist/cli.js', 'serve'], {
    env: {
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'info',
      ADMIN_API_KEY: adminKey,
      SHUTDOWN_GRACE_MS: '2000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line) lines.push(line);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const service: Service = {
    pid: child.pid as number,
    port,
    base: `http://127.0.0.1:${port}`,
    lines,
    exited,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  cleanups.push(() => service.kill());
  if (options.waitHealthy ?? true) {
    await Promise.race([
      waitFor('the service to answer /health', async () => (await get(service, '/health')).status === 200),
      exited.then((code) => {
        throw new Error(`the service exited (${code}) before answering /health:\n${lines.slice(-20).join('\n')}`);
      }),
    ]);
  }
  return service;
}

/** The environment of a service instance on the given database URL and Redis URL. */
export function serviceEnv(databaseUrl: string, redisUrl: string | null, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
    CACHE_KEY_PREFIX: 'faults',
    DATABASE_QUERY_TIMEOUT_MS: '1000',
    REDIS_TIMEOUT_MS: '300',
    SIDEBAR_VERSION_POLL_MS: '250',
    ...extra,
  };
}

export interface Answer {
  status: number;
  ms: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 2000 });
const guarded = new WeakSet<object>();

/** One HTTP request with a deadline; a network error or the deadline is status 0. */
export function get(
  service: Pick<Service, 'port'>,
  path: string,
  options: { method?: string; headers?: Record<string, string>; timeoutMs?: number; body?: Buffer } = {},
): Promise<Answer> {
  const started = performance.now();
  return new Promise<Answer>((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: service.port,
        path,
        method: options.method ?? 'GET',
        headers: options.headers,
        // Uploads on connections of their own: one the server closes must not be reused.
        agent: options.body ? false : agent,
        timeout: options.timeoutMs ?? 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, ms: performance.now() - started, headers: res.headers, body: Buffer.concat(chunks).toString() }),
        );
        res.on('error', () => resolve({ status: 0, ms: performance.now() - started, headers: {}, body: '' }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('deadline')));
    // A server that answers and closes while a large body is still being sent resets the
    // socket after the response: that is an outcome here, not an error of the suite.
    req.on('socket', (socket) => {
      // Once per socket: a kept-alive socket serves many requests.
      if (guarded.has(socket)) return;
      guarded.add(socket);
      socket.on('error', () => {});
    });
    req.on('error', (err) => resolve({ status: 0, ms: performance.now() - started, headers: {}, body: err.message }));
    req.end(options.body);
  });
}

export const asAdmin = { authorization: `Bearer ${adminKey}` };

export interface Sample extends Answer {
  at: number;
  instance: number;
}

/**
 * Steady load: `rate` sidebar GETs a second, spread over the instances in turn, until stop().
 * A fixed, modest rate (far below what one instance serves), so the figures describe the
 * service under the fault, not the generator.
 */
export function steadyLoad(instances: Service[], rate = 200, path = '/api/v1/shared/sidebar') {
  const samples: Sample[] = [];
  const pending = new Set<Promise<void>>();
  let stopped = false;
  let n = 0;
  const interval = 1000 / rate;
  const started = performance.now();
  const loop = (async () => {
    while (!stopped) {
      const due = started + n * interval;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const instance = n % instances.length;
      n++;
      const at = performance.now();
      const p = get(instances[instance] as Service, path, { timeoutMs: 10_000 }).then((answer) => {
        samples.push({ ...answer, at, instance });
      });
      pending.add(p);
      p.finally(() => pending.delete(p));
    }
  })();
  return {
    samples,
    now: () => performance.now(),
    async stop(): Promise<Sample[]> {
      stopped = true;
      await loop;
      await Promise.all(pending);
      return samples;
    },
  };
}

export function p99(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] as number;
}

export interface ScenarioReport {
  scenario: string;
  requests: number;
  failed: number;
  p99_ms_during_fault: number;
  max_ms_during_fault: number;
  stale_answers: number;
  recovery_ms: number | null;
  notes?: string;
}

/** Sums up the samples of a window [from, to) (the fault) and writes the scenario's line. */
export function summarise(scenario: string, samples: Sample[], fault: { from: number; to: number }, recoveryMs: number | null, notes?: string): ScenarioReport {
  const during = samples.filter((s) => s.at >= fault.from && s.at < fault.to);
  const report: ScenarioReport = {
    scenario,
    requests: samples.length,
    failed: samples.filter((s) => s.status !== 200 && s.status !== 304).length,
    p99_ms_during_fault: Math.round(p99(during.map((s) => s.ms)) * 10) / 10,
    max_ms_during_fault: Math.round(Math.max(0, ...during.map((s) => s.ms)) * 10) / 10,
    stale_answers: samples.filter((s) => s.headers['x-cache'] === 'STALE').length,
    recovery_ms: recoveryMs === null ? null : Math.round(recoveryMs),
    ...(notes ? { notes } : {}),
  };
  record(report);
  return report;
}

export function record(report: ScenarioReport): void {
  mkdirSync(resultsFile.replace(/\/[^/]*$/, ''), { recursive: true });
  appendFileSync(resultsFile, `${JSON.stringify(report)}\n`);
  process.stdout.write(`fault scenario: ${JSON.stringify(report)}\n`);
}

/** Time from `from` until fn holds (polled every 50 ms), in ms. */
export async function timeUntil(from: number, what: string, fn: () => Promise<boolean>, timeoutMs = 20_000): Promise<number> {
  await waitFor(what, async () => fn(), timeoutMs);
  return performance.now() - from;
}

/** Events for the sidebar: `count` open events over a few sports and leagues, then a refresh. */
export async function seedEvents(direct: pg.Pool, count: number, prefix = 'e'): Promise<void> {
  await direct.query(
    `insert into odds_events (id, sport_id, sport, league_id, league, commence_time, status)
     select $2 || g, 'sport' || (g % 5), 'Sport ' || (g % 5), 'league' || (g % 40), 'League ' || (g % 40),
            now() + (g % 48) * interval '1 hour', case when g % 10 = 0 then 'live' else 'scheduled' end
     from generate_series(1, $1::int) g
     on conflict (id) do nothing`,
    [count, prefix],
  );
}

export async function refreshView(direct: pg.Pool): Promise<void> {
  await direct.query(`select refresh_sidebar_data('manual')`);
}

/** The total game count a sidebar body shows. */
export function gameCount(answer: Answer): number | null {
  try {
    return (JSON.parse(answer.body) as { totals: { game_count: number } }).totals.game_count;
  } catch {
    return null;
  }
}

/** Starts a migrated, seeded database: one service run once with migrations, then stopped. */
export async function migratedDatabase(events = 2000) {
  const database = await startDatabase();
  const migrate = spawn(process.execPath, ['dist/cli.js', 'migrate'], {
    env: { PATH: process.env.PATH ?? '', DATABASE_URL: database.directUrl, LOG_LEVEL: 'warn' },
    stdio: 'inherit',
  });
  const [code] = (await once(migrate, 'exit')) as [number];
  if (code !== 0) throw new Error(`migrate exited ${code}`);
  await seedEvents(database.direct, events);
  await refreshView(database.direct);
  return database;
}

export { rssMb } from '../helpers/proc.js';
export { freePort, sleep, waitFor };
