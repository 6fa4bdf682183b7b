/**
 * `npm run bench:scaling`: what one machine serves on the cache-hit path with one worker and with
 * WEB_CONCURRENCY=auto (one per core), for docs/scaling.md. The built service on PostgreSQL
 * (a scratch database, 100,000 events) and Redis; wrk on loopback, its CPU share printed so a
 * saturated generator shows (on two cores, wrk and the workers share them: the two-worker
 * figure is what is left for the service, not the machine's ceiling). Per case: identity,
 * gzip and 304 answers, 3 alternating rounds, medians. Also the memory of each process.
 *
 * BENCH_DATABASE_URL, BENCH_REDIS_URL; --seconds N (per run, default 6), --connections N (default 100).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { paths } from '../src/contract/index.js';
import { migrate } from '../src/db/migrate.js';
import { freePort } from '../test/helpers/free-port.js';
import { children, rssMb } from '../test/helpers/proc.js';
import { deleteRedisKeys } from '../test/helpers/processes.js';
import { fillEvents, scratchPostgres } from './data.js';
import { round } from './figures.js';
import { ensureWrk, type LoadResult, rawGet, wrk } from './http-load.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '6' }, connections: { type: 'string', default: '100' } } });
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `sidebar-bench-scaling-${process.pid}`;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function startService(databaseUrl: string, workers: number): Promise<{ child: ChildProcess; base: string; pids: number[] }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['dist/cli.js', 'serve'], {
    env: {
      PATH: process.env.PATH ?? '',
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      CACHE_KEY_PREFIX: prefix,
      WEB_CONCURRENCY: String(workers),
      MIGRATE_ON_START: 'false',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  const serving = workers > 1 ? workers : 0;
  for (const deadline = Date.now() + 30_000; ; ) {
    const up = await fetch(`${base}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (up && children(child.pid as number).length >= serving) break;
    if (Date.now() > deadline) throw new Error('the service did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  // Each worker loads its copy: requests on fresh connections, handed out round-robin.
  for (let i = 0; i < 8 * Math.max(1, workers); i++) await fetch(`${base}${paths.sidebar}`, { headers: { connection: 'close' } }).then((r) => r.arrayBuffer());
  return { child, base, pids: [child.pid as number, ...children(child.pid as number)] };
}

async function main() {
  ensureWrk();
  const scratch = await scratchPostgres(adminUrl, 'scaling');
  const rows: Record<string, string | number>[] = [];
  const memory: Record<string, string | number>[] = [];
  try {
    await migrate(scratch.db);
    await fillEvents(scratch.db, 100_000, 0.03);
    await scratch.db.query(`select refresh_sidebar_data('manual')`);
    const cases = [1, availableParallelism()];
    const services = new Map<number, Awaited<ReturnType<typeof startService>>>();
    for (const workers of cases) services.set(workers, await startService(scratch.url, workers));
    const first = await rawGet(`${services.get(1)?.base}${paths.sidebar}`, {});
    const etag = first.headers[first.headers.findIndex((h) => h.toLowerCase() === 'etag') + 1] as string;
    const requests: [string, Record<string, string>][] = [
      ['identity', {}],
      ['gzip', { 'accept-encoding': 'gzip' }],
      ['304', { 'if-none-match': etag }],
    ];
    for (const [name, headers] of requests) {
      const runs = new Map<number, LoadResult[]>(cases.map((w) => [w, []]));
      for (let round_ = 0; round_ < 3; round_++) {
        for (const workers of cases) {
          const service = services.get(workers) as Awaited<ReturnType<typeof startService>>;
          runs.get(workers)?.push(await wrk(`${service.base}${paths.sidebar}`, { connections, seconds, headers, serverPid: service.pids }));
        }
      }
      for (const workers of cases) {
        const r = runs.get(workers) as LoadResult[];
        rows.push({
          request: name,
          workers,
          rps: median(r.map((x) => x.rps)),
          rps_per_worker: round(median(r.map((x) => x.rps)) / workers),
          p50_ms: median(r.map((x) => x.p50_ms)),
          p99_ms: median(r.map((x) => x.p99_ms)),
          errors: r.reduce((n, x) => n + x.errors + x.timeouts, 0),
          wrk_cpu: median(r.map((x) => x.wrk_cpu)),
          service_cpu: median(r.map((x) => x.server_cpu)),
        });
      }
    }
    for (const [workers, service] of services) {
      memory.push({
        workers,
        primary_rss_mb: workers > 1 ? rssMb(service.pids[0] as number) : '-',
        per_process_rss_mb: service.pids
          .slice(workers > 1 ? 1 : 0)
          .map(rssMb)
          .join(', '),
      });
      service.child.kill('SIGTERM');
      await once(service.child, 'exit');
    }
  } finally {
    await scratch.drop();
    await deleteRedisKeys(redisUrl, prefix);
  }
  const table = (data: Record<string, string | number>[]) => {
    const cols = Object.keys(data[0] ?? {});
    return [`| ${cols.join(' | ')} |`, `|${cols.map(() => '---').join('|')}|`, ...data.map((r) => `| ${cols.map((c) => r[c]).join(' | ')} |`)].join('\n');
  };
  const header = `${new Date().toISOString().slice(0, 16)}Z: ${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; wrk -t1 -c${connections}, ${seconds} s per run, 3 alternating rounds, medians; 100,000 events`;
  const output = `${header}\n\n${table(rows)}\n\nMemory after the runs (MB):\n\n${table(memory)}\n`;
  console.log(`\n${output}`);
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/scaling.json', `${JSON.stringify({ header, rows, memory }, null, 2)}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
