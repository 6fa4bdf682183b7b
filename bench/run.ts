/**
 * `npm run bench`: the service's figures, measured in one run on this machine.
 *
 * 1. HTTP: the built service (embedded PGlite, or BENCH_DATABASE_URL / BENCH_REDIS_URL) and a
 *    bare node:http server sending byte for byte what the service sends (status, headers,
 *    body, recorded from it), each in its own process, loaded in turn by wrk (one thread) at
 *    100 and 1,000 connections: identity, gzip, and 304 revalidation, with the CPU share of
 *    wrk and of the server printed for each run (the generator must not be the bottleneck).
 *    Then the variants (20 round-robin against the full sidebar), the abusive case (a client
 *    cycling through every valid variant URL beside an ordinary one; abuse.ts), the cold path
 *    (force_refresh: past every cache to the view) and the fallback path (view unpopulated;
 *    PostgreSQL only), and the service's memory under that load.
 * 2. SQL: refresh_sidebar_data() and the fallback query at 10k to 5M events with 2-3% open,
 *    without the partial index on open events ("before") and with it ("after").
 *
 * Prints tables, writes bench/results/latest.json and rewrites the generated part of
 * docs/benchmarks.md.
 *
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres BENCH_REDIS_URL=redis://127.0.0.1:6379 npm run bench
 *   npm run bench -- --duration 5 --rounds 3 --sizes 10000,100000 --skip-http --no-write
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { migrate } from '../src/db/migrate.js';
import { createPgliteDb } from '../src/db/pglite.js';
import type { Db } from '../src/db/types.js';
import { abuseBench } from './abuse.js';
import { benchLeagues, fillEvents, scratchPostgres } from './data.js';
import { ensureWrk, type LoadResult, rawGet, roundRobinScript, wrk } from './http-load.js';
import { haveValgrind, instructionsPerRequest } from './instructions.js';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    sizes: { type: 'string' },
    'skip-http': { type: 'boolean', default: false },
    'skip-sql': { type: 'boolean', default: false },
    'skip-load': { type: 'boolean', default: false },
    'skip-instructions': { type: 'boolean', default: false },
    // The abusive case: a client cycling through every valid variant URL beside an ordinary one.
    'skip-abuse': { type: 'boolean', default: false },
    // Print only: leave bench/results and docs/benchmarks.md as they are.
    'no-write': { type: 'boolean', default: false },
  },
});
const pgUrl = process.env.BENCH_DATABASE_URL;
const redisUrl = process.env.BENCH_REDIS_URL;
const duration = Number(args.duration);
const sizes = (args.sizes ?? (pgUrl ? '10000,100000,1000000,5000000' : '10000,100000')).split(',').map(Number);
const root = new URL('..', import.meta.url).pathname;
const adminKey = 'bench-admin-key-0123456789';
const servicePort = 38401;
const baselinePort = 38402;
const httpEvents = 100_000;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] as number;
const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

/** A database of its own: a scratch PostgreSQL database, or a PGlite folder (or memory). */
async function openDb(name: string, pgliteDir = 'memory://'): Promise<{ db: Db; url?: string; drop: () => Promise<void> }> {
  if (!pgUrl) {
    const db = await createPgliteDb(pgliteDir);
    return { db, drop: () => db.close() };
  }
  return scratchPostgres(pgUrl, name);
}

async function waitFor(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

function memoryOf(pid: number): { rss_mb: number; peak_rss_mb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss_mb: Math.round(kb('VmRSS') / 1024), peak_rss_mb: Math.round(kb('VmHWM') / 1024) };
}

async function timeRequests(url: string, headers: Record<string, string>, count: number) {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    const res = await fetch(url, { headers });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`${url} answered ${res.status}`);
    times.push(performance.now() - t);
  }
  return { p50_ms: round(percentile(times, 0.5)), p99_ms: round(percentile(times, 0.99)), max_ms: round(Math.max(...times)) };
}

const rounds = Number(args.rounds);

async function httpBench() {
  const pgliteDir = mkdtempSync(join(tmpdir(), 'sidebar-bench-'));
  const { db, url, drop } = await openDb('http', pgUrl ? undefined : pgliteDir);
  await migrate(db);
  await fillEvents(db, httpEvents, 0.03);
  await db.query(`select refresh_sidebar_data('manual')`);
  if (!pgUrl) await db.close(); // PGlite: the service opens the same folder

  const env = {
    ...process.env,
    PORT: String(servicePort),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'error',
    ADMIN_API_KEY: adminKey,
    SCHEDULER_ENABLED: 'false',
    SEED_DEMO_DATA: 'false',
    CACHE_KEY_PREFIX: `sidebar-bench-${process.pid}`,
    SIDEBAR_REFRESH_RATE_LIMIT: '1000',
    ...(url ? { DATABASE_URL: url } : { PGLITE_DATA_DIR: pgliteDir, DATABASE_URL: '' }),
    ...(redisUrl ? { REDIS_URL: redisUrl } : { REDIS_URL: '' }),
  };
  const service = spawn(process.execPath, [join(root, 'dist/cli.js'), 'serve'], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  const base = `http://127.0.0.1:${servicePort}/api/v1/shared/sidebar`;
  let baseline: ChildProcess | null = null;
  try {
    await waitFor(`http://127.0.0.1:${servicePort}/ready`);
    const servicePid = service.pid as number;
    // Record what the service sends on its hot path (warm it first), for the baseline to replay.
    await rawGet(base, {});
    const variants: Record<string, { headers: string[]; body: string }> = {};
    for (const encoding of ['identity', 'gzip', 'br']) {
      const answer = await rawGet(base, { 'accept-encoding': encoding });
      variants[encoding] = { headers: answer.headers, body: answer.body.toString('base64') };
    }
    const identity = await rawGet(base, { 'accept-encoding': 'identity' });
    const body = identity.body;
    const etag = String(identity.headers[identity.headers.findIndex((h) => h.toLowerCase() === 'etag') + 1]);
    const notModified = await rawGet(base, { 'if-none-match': etag, 'accept-encoding': 'gzip' });
    if (notModified.status !== 304) throw new Error(`expected a 304 from the service, got ${notModified.status}`);
    const specFile = join(pgliteDir, 'baseline.json');
    writeFileSync(specFile, JSON.stringify({ etag, variants, notModified: { headers: notModified.headers } }));
    baseline = fork(join(root, 'bench/baseline-server.mjs'), [String(baselinePort), specFile], { stdio: 'inherit' });
    await new Promise((resolve) => baseline?.once('message', resolve));
    const baselinePid = baseline.pid as number;
    const baselineUrl = `http://127.0.0.1:${baselinePort}/api/v1/shared/sidebar`;

    const rows: Array<Record<string, unknown>> = [];
    const requests = [
      ['identity', { 'accept-encoding': 'identity' }],
      ['gzip', { 'accept-encoding': 'gzip' }],
      ['304', { 'if-none-match': etag, 'accept-encoding': 'gzip' }],
    ] as const;
    // The machine's noise (a shared host) moves single runs by 10-30%: each case alternates
    // baseline and service `rounds` times and reports medians, the ratio being the median of
    // the pairs' ratios; timeouts and errors are summed over all rounds.
    for (const connections of args['skip-load'] ? [] : [100, 1000]) {
      for (const [name, headers] of requests) {
        const pairs: Array<{ b: LoadResult; s: LoadResult }> = [];
        for (let i = 0; i < rounds; i++) {
          const b = await wrk(baselineUrl, { connections, seconds: duration, headers, serverPid: baselinePid });
          const s = await wrk(base, { connections, seconds: duration, headers, serverPid: servicePid });
          pairs.push({ b, s });
        }
        const b = summarise(pairs.map((p) => p.b));
        const s = summarise(pairs.map((p) => p.s));
        rows.push({
          connections,
          request: name,
          ...prefix('baseline', b),
          ...prefix('service', s),
          rps_ratio: round(median(pairs.map((p) => p.s.rps / p.b.rps))),
          p99_ratio: round(median(pairs.map((p) => p.s.p99_ms / p.b.p99_ms))),
        });
        console.log(JSON.stringify(rows.at(-1)));
      }
    }
    const variantLoad = args['skip-load'] ? null : await variantsBench(base, servicePid, pgliteDir, rounds);
    const abuse = args['skip-abuse'] ? null : await abuseBench({ base, servicePid, seconds: duration, rounds });
    const memory = memoryOf(service.pid as number);
    const auth = { authorization: `Bearer ${adminKey}`, 'accept-encoding': 'gzip' };
    const cold = await timeRequests(`${base}?force_refresh=true`, auth, 200);
    let fallback: Record<string, number> | string = 'not measured on PGlite (the service holds its only connection); see the SQL fallback figures';
    if (pgUrl) {
      await db.query('refresh materialized view sidebar_data with no data');
      fallback = await timeRequests(`${base}?force_refresh=true`, auth, 100);
      await db.query(`select refresh_sidebar_data('manual')`);
    }

    // Instructions per request, under callgrind: the service and the baseline stop serving
    // normally first (PGlite allows one process on its folder).
    let instructions: Array<Record<string, unknown>> | string = 'not measured (valgrind missing, or --skip-instructions)';
    if (!args['skip-instructions'] && haveValgrind()) {
      baseline.kill();
      service.kill('SIGTERM');
      await new Promise((r) => service.once('exit', r));
      instructions = [];
      for (const encoding of ['gzip', 'identity']) {
        const common = { dir: pgliteDir, headers: { 'accept-encoding': encoding }, warmup: 5000, count: 10_000 };
        const b = await instructionsPerRequest({
          ...common,
          name: `baseline-${encoding}`,
          command: [process.execPath, join(root, 'bench/baseline-server.mjs'), String(baselinePort), specFile],
          url: baselineUrl,
        });
        const s = await instructionsPerRequest({
          ...common,
          name: `service-${encoding}`,
          command: [process.execPath, join(root, 'dist/cli.js'), 'serve'],
          env,
          url: base,
        });
        instructions.push({ request: encoding, baseline: b, service: s, ratio: round(b / s, 3) });
        console.log(JSON.stringify(instructions.at(-1)));
      }
    }
    return {
      events: httpEvents,
      body_bytes: body.length,
      load: rows,
      variants: variantLoad,
      abuse,
      instructions,
      cold_path: cold,
      fallback_path: fallback,
      service_memory: memory,
    };
  } finally {
    baseline?.kill();
    if (service.exitCode === null && service.signalCode === null) {
      service.kill('SIGTERM');
      await new Promise((r) => service.once('exit', r));
    }
    if (pgUrl) await drop();
  }
}

// 20 variants a sportsbook's pages would ask for at once: the windows, and today in the zones of its markets.
const benchZones = [
  'UTC',
  'Europe/London',
  'Europe/Madrid',
  'Europe/Berlin',
  'Europe/Athens',
  'Europe/Istanbul',
  'America/New_York',
  'America/Chicago',
  'America/Denver',
  'America/Los_Angeles',
  'America/Sao_Paulo',
  'America/Mexico_City',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'Asia/Tokyo',
  'Australia/Sydney',
  'Africa/Lagos',
  'Pacific/Auckland',
];
const benchVariants = [
  '?window=live',
  '?window=next_24h',
  ...benchZones.slice(0, 14).map((tz) => `?window=today&tz=${tz}`),
  '?jurisdiction=US-NJ',
  '?jurisdiction=FR&lang=de',
  '?window=live&jurisdiction=US-PA',
  '?lang=es&group=region',
];

/**
 * The hot path for 20 distinct variants requested round-robin (wrk script), against the full
 * sidebar alone, alternating in each round; the ratio is the median of the rounds' ratios.
 */
async function variantsBench(base: string, servicePid: number, dir: string, rounds: number) {
  const path = new URL(base).pathname;
  for (const query of benchVariants) {
    const first = await rawGet(`${base}${query}`, { 'accept-encoding': 'gzip' });
    if (first.status !== 200) throw new Error(`${query}: ${first.status}`);
  }
  const again = await rawGet(`${base}${benchVariants.at(-1)}`, { 'accept-encoding': 'gzip' });
  const timing = again.headers[again.headers.findIndex((h) => h.toLowerCase() === 'server-timing') + 1];
  if (!String(timing).includes('memory')) throw new Error(`variants are not served from memory: ${timing}`);
  const script = join(dir, 'variants.lua');
  writeFileSync(script, roundRobinScript(benchVariants.map((q) => `${path}${q}`)));
  const headers = { 'accept-encoding': 'gzip' };
  const pairs: Array<{ single: LoadResult; variants: LoadResult }> = [];
  for (let i = 0; i < rounds; i++) {
    const single = await wrk(base, { connections: 100, seconds: duration, headers, serverPid: servicePid });
    const variants = await wrk(base, { connections: 100, seconds: duration, headers, serverPid: servicePid, script });
    pairs.push({ single, variants });
  }
  const row = {
    variants: benchVariants.length,
    ...prefix('single', summarise(pairs.map((p) => p.single))),
    ...prefix('variants', summarise(pairs.map((p) => p.variants))),
    rps_ratio: round(median(pairs.map((p) => p.variants.rps / p.single.rps))),
  };
  console.log(JSON.stringify(row));
  return row;
}

/** Medians of the rounds' figures; timeouts and errors summed. */
function summarise(runs: LoadResult[]): LoadResult {
  const med = (key: keyof LoadResult) => round(median(runs.map((r) => r[key])));
  const sum = (key: keyof LoadResult) => runs.reduce((n, r) => n + r[key], 0);
  return {
    rps: Math.round(med('rps')),
    p50_ms: med('p50_ms'),
    p99_ms: med('p99_ms'),
    timeouts: sum('timeouts'),
    errors: sum('errors'),
    wrk_cpu: med('wrk_cpu'),
    server_cpu: med('server_cpu'),
  };
}

function prefix(name: string, r: LoadResult) {
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [`${name}_${k}`, v]));
}

/**
 * Refreshes and the fallback by table size, with the variants' data (starts, regions, names:
 * migrations 012-014; jurisdictions: 015) against the schema before them (011), on the same
 * events: a database per size, migrated to 011, filled and measured, then migrated to 014 and
 * measured again, then to 015 and measured again, then to the newest (016: least privilege),
 * measured with its row level security and security_invoker views lifted and then with them,
 * so the last two rows show what those two cost alone. One open game in 200 to 300 has
 * a New Jersey college team (015's seeded rules) on one side, so the team rules find games.
 */
async function sqlBench() {
  const rows: Array<Record<string, unknown>> = [];
  for (const size of sizes) {
    const { db, drop } = await openDb(`sql${size}`);
    try {
      await migrate(db, { target: 11 });
      // 2% open at 5M (100k open events), 3% below.
      const openShare = size >= 5_000_000 ? 0.02 : 0.03;
      const t = performance.now();
      await fillEvents(db, size, openShare);
      await db.query(
        `update odds_events set home_team = (array['Rutgers Scarlet Knights', 'Princeton Tigers', 'Seton Hall Pirates', 'NJIT Highlanders'])[1 + substr(id, 2)::integer % 4]
         where substr(id, 2)::integer % 10000 = 7`,
        [],
        { timeoutMs: 120_000 },
      );
      const { rows: open } = await db.query<{ n: number }>(`select count(*)::integer as n from odds_events where status in ('scheduled', 'live')`);
      console.log(`filled ${size} events (${open[0]?.n} open) in ${round((performance.now() - t) / 1000, 1)} s`);
      let baseline: Awaited<ReturnType<typeof measureRefreshes>> | null = null;
      const schemas = [
        '011: counts',
        '014: counts + starts + regions + names',
        '015: 014 + jurisdictions',
        '016 without RLS and security_invoker',
        '016: 015 + least privilege',
      ] as const;
      for (const schema of schemas) {
        if (schema.startsWith('014')) await migrate(db, { target: 14 });
        if (schema.startsWith('015')) await migrate(db, { target: 15 });
        // Row level security on every table, security_invoker views, pinned search paths, definer entry points;
        // first with the two walls lifted, so the row after it shows what they cost alone.
        if (schema === '016 without RLS and security_invoker') {
          await migrate(db);
          await setWalls(db, false);
        }
        if (schema.startsWith('016:')) await setWalls(db, true);
        const figures = await measureRefreshes(db);
        rows.push({
          events: size,
          open: open[0]?.n,
          schema,
          ...figures,
          full_vs_011: baseline ? round(figures.full_refresh_median_ms / baseline.full_refresh_median_ms) : 1,
          change_vs_011: baseline ? round(figures.change_refresh_median_ms / baseline.change_refresh_median_ms) : 1,
          fallback_vs_011: baseline ? round(figures.fallback_median_ms / baseline.fallback_median_ms) : 1,
        });
        baseline ??= figures;
        console.log(JSON.stringify(rows.at(-1)));
      }
    } finally {
      await drop();
    }
  }
  return rows;
}

/** Row level security on every table of the schema public, and security_invoker on every view, on or off. */
async function setWalls(db: Db, on: boolean) {
  const { rows } = await db.query<{ statement: string }>(
    `select format('alter table %I %s row level security', relname, case when $1 then 'enable' else 'disable' end) as statement
     from pg_class where relnamespace = 'public'::regnamespace and relkind = 'r'
     union all
     select format('alter view %I set (security_invoker = %s)', relname, $1)
     from pg_class where relnamespace = 'public'::regnamespace and relkind = 'v'`,
    [on],
  );
  for (const { statement } of rows) await db.query(statement);
}

let benchIds = 0;

/** Five full refreshes, five change-driven ones (after 50 new games over every league each), five fallback reads: medians and maxima. */
async function measureRefreshes(db: Db) {
  await db.query('analyze');
  const { rows: reader } = await db.query<{ has: boolean }>(`select to_regprocedure('sidebar_source_rows()') is not null as has`);
  const schemaHas015 = reader[0]?.has === true;
  await db.query(`select refresh_sidebar_data('manual', 3600)`); // warm, and populated
  const full: number[] = [];
  const change: number[] = [];
  const fallback: number[] = [];
  for (let i = 0; i < 5; i++) {
    const { rows: log } = await db.query<{ duration_ms: number; status: string }>(`select duration_ms, status from refresh_sidebar_data('manual', 3600)`);
    if (log[0]?.status !== 'success') throw new Error(`refresh ${log[0]?.status}`);
    full.push(log[0].duration_ms);
    await db.query(
      `insert into odds_events (id, sport_id, sport, league_id, league, commence_time, status, source)
       select 'change-' || $1 || '-' || g, ($2::text[])[1 + g % $6], ($3::text[])[1 + g % $6], ($4::text[])[1 + g % $6], ($5::text[])[1 + g % $6],
              now() + make_interval(hours => g % 30), 'scheduled', 'bench'
       from generate_series(1, 50) g`,
      [++benchIds, ...[0, 1, 2, 3].map((i) => benchLeagues.map((l) => l[i])), benchLeagues.length],
    );
    const { rows: changed } = await db.query<{ duration_ms: number; status: string }>(
      `select duration_ms, status from refresh_sidebar_data_if_changed(0, 3600)`,
    );
    if (changed[0]?.status !== 'success') throw new Error(`change-driven refresh ${changed[0]?.status ?? 'did nothing'}`);
    change.push(changed[0].duration_ms);
    const f = performance.now();
    // As the service reads it (through sidebar_source_rows() from 015 on: without JIT).
    await db.query(`select * from ${schemaHas015 ? 'sidebar_source_rows()' : 'sidebar_source'} order by sport_rank, league_rank`);
    fallback.push(performance.now() - f);
  }
  return {
    full_refresh_median_ms: round(median(full), 1),
    full_refresh_max_ms: round(Math.max(...full), 1),
    change_refresh_median_ms: round(median(change), 1),
    change_refresh_max_ms: round(Math.max(...change), 1),
    fallback_median_ms: round(median(fallback), 1),
  };
}

const machine = {
  cpus: cpus().length,
  cpu: cpus()[0]?.model,
  memory_gb: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  database: pgUrl ? 'postgresql' : 'pglite',
  cache: redisUrl ? 'redis' : 'memory',
};
if (!args['skip-http']) ensureWrk();
const http = args['skip-http'] ? null : await httpBench();
if (http) {
  console.table(http.load);
  console.log('cold path (force_refresh):', http.cold_path, '\nfallback path:', http.fallback_path, '\nservice memory after load:', http.service_memory);
}
const sql = args['skip-sql'] ? null : await sqlBench();
if (sql) console.table(sql);

const results = { measured_at: new Date().toISOString(), machine, duration_s: duration, rounds: Number(args.rounds), http, sql };
if (!args['no-write']) {
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  writeFileSync(join(root, 'bench/results/latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeDocs(results);
}

function table(rows: Array<Record<string, unknown>>): string {
  const cols = Object.keys(rows[0] ?? {});
  return [`| ${cols.join(' | ')} |`, `|${cols.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${cols.map((c) => String(r[c] ?? '')).join(' | ')} |`)].join(
    '\n',
  );
}

function writeDocs(r: typeof results) {
  const file = join(root, 'docs/benchmarks.md');
  const doc = readFileSync(file, 'utf8');
  const start = '<!-- bench:start -->';
  const end = '<!-- bench:end -->';
  const parts = [
    start,
    `Generated by \`npm run bench\` on ${r.measured_at.slice(0, 16)}Z: ${r.machine.cpus} × ${r.machine.cpu}, ${r.machine.memory_gb} GiB, Node ${r.machine.node}, ${r.machine.database} + ${r.machine.cache}, ${r.duration_s} s per load run, ${r.rounds} rounds per case, medians (wrk, 1 thread; server and baseline each in their own process; *_cpu is the share of one core each side used during the run).`,
  ];
  if (r.http) {
    parts.push(
      `\n### Cache-hit path vs a bare node:http server sending the same status, headers and body (${r.http.body_bytes} B identity, ${r.http.events} events)\n`,
      table(r.http.load),
      `\n### Variants on the hot path: ${r.http.variants?.variants ?? 20} distinct variants requested round-robin against the full sidebar alone (gzip, 100 connections, alternating; rps_ratio = variants / single, goal ≥ 0.9)\n`,
      r.http.variants ? table([r.http.variants]) : 'not measured (--skip-load)',
      '\n### One client cycling through every valid variant URL (50 connections) beside an ordinary client of the plain sidebar (100 connections), against the ordinary client alone (gzip; rps_ratio = with / alone, goal ≥ 0.5; goal ordinary p99 < 50 ms)\n',
      r.http.abuse ? table([r.http.abuse as unknown as Record<string, unknown>]) : 'not measured (--skip-abuse)',
      `\nCPU instructions per hot-path request (callgrind; ratio = baseline / service, 1.0 = as cheap as the bare server):\n`,
      typeof r.http.instructions === 'string' ? r.http.instructions : table(r.http.instructions),
      `\nCold path (force_refresh=true: past every cache, read the view, build and compress): p50 ${r.http.cold_path.p50_ms} ms, p99 ${r.http.cold_path.p99_ms} ms, max ${r.http.cold_path.max_ms} ms over 200 sequential requests.`,
      `\nFallback path (view unpopulated): ${typeof r.http.fallback_path === 'string' ? r.http.fallback_path : `p50 ${r.http.fallback_path.p50_ms} ms, p99 ${r.http.fallback_path.p99_ms} ms over 100 requests`}.`,
      `\nService memory after the load runs: RSS ${r.http.service_memory.rss_mb} MB, peak ${r.http.service_memory.peak_rss_mb} MB.`,
    );
  }
  if (r.sql)
    parts.push(
      "\n### Refreshes and the fallback query by table size: with the variants' starts, regions and names (012-014), then jurisdictions (015), then least privilege (016: first with row level security and security_invoker lifted), against the schema before them (011), same events\n",
      'change = a change-driven refresh after 50 new games; *_vs_011 = this schema / 011 (1.0 = no dearer). One open game in 200 to 300 involves a team New Jersey bars.\n\n',
      table(r.sql),
    );
  parts.push(end);
  const generated = parts.join('\n');
  const next = doc.includes(start) ? doc.replace(new RegExp(`${start}[\\s\\S]*${end}`), generated) : `${doc}\n## Latest \`npm run bench\`\n\n${generated}\n`;
  writeFileSync(file, next);
}
