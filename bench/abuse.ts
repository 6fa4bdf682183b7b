/**
 * The abusive case of `npm run bench`: one client cycling through every valid variant URL on 50
 * connections, and an ordinary client of the plain sidebar (100 connections, as the hot-path
 * rows) on the same process, side by side, against the ordinary client alone in the same run.
 * Both clients are wrk processes (C); their CPU shares are printed, so a saturated generator
 * would show.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { everyVariantUrl } from '../test/helpers/variant-urls.js';
import { type LoadResult, roundRobinScript, wrk } from './http-load.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

export interface AbuseRow {
  urls: number;
  alone_rps: number;
  alone_p99_ms: number;
  ordinary_rps: number;
  ordinary_p50_ms: number;
  ordinary_p99_ms: number;
  ordinary_timeouts: number;
  abuser_rps: number;
  abuser_p99_ms: number;
  /** Ordinary throughput with the abuser / alone (goal ≥ 0.5). */
  rps_ratio: number;
  ordinary_wrk_cpu: number;
  abuser_wrk_cpu: number;
  server_cpu: number;
}

/**
 * `rounds` times: the ordinary client alone, then with the abuser; medians. The abuser starts
 * first and runs a second longer than the ordinary client, so the ordinary run sees it throughout.
 */
export async function abuseBench(options: { base: string; servicePid: number; seconds: number; rounds: number }): Promise<AbuseRow> {
  const { base, servicePid, seconds } = options;
  const urls = everyVariantUrl(new URL(base).pathname);
  const dir = mkdtempSync(join(tmpdir(), 'sidebar-abuse-'));
  const script = join(dir, 'every-variant.lua');
  writeFileSync(script, roundRobinScript(urls));
  const gzip = { 'accept-encoding': 'gzip' };
  const alone: LoadResult[] = [];
  const ordinary: LoadResult[] = [];
  const abuser: LoadResult[] = [];
  for (let i = 0; i < options.rounds; i++) {
    alone.push(await wrk(base, { connections: 100, seconds, headers: gzip, serverPid: servicePid }));
    const cycling = wrk(base, { connections: 50, seconds: seconds + 2, headers: gzip, serverPid: servicePid, script });
    await new Promise((r) => setTimeout(r, 1000));
    ordinary.push(await wrk(base, { connections: 100, seconds, headers: gzip, serverPid: servicePid }));
    abuser.push(await cycling);
  }
  const med = (runs: LoadResult[], key: keyof LoadResult) => round(median(runs.map((r) => r[key])));
  const row: AbuseRow = {
    urls: urls.length,
    alone_rps: med(alone, 'rps'),
    alone_p99_ms: med(alone, 'p99_ms'),
    ordinary_rps: med(ordinary, 'rps'),
    ordinary_p50_ms: med(ordinary, 'p50_ms'),
    ordinary_p99_ms: med(ordinary, 'p99_ms'),
    ordinary_timeouts: ordinary.reduce((n, r) => n + r.timeouts, 0),
    abuser_rps: med(abuser, 'rps'),
    abuser_p99_ms: med(abuser, 'p99_ms'),
    rps_ratio: round(median(ordinary.map((r, i) => r.rps / (alone[i] as LoadResult).rps))),
    ordinary_wrk_cpu: med(ordinary, 'wrk_cpu'),
    abuser_wrk_cpu: med(abuser, 'wrk_cpu'),
    server_cpu: med(ordinary, 'server_cpu'),
  };
  console.log(JSON.stringify(row));
  return row;
}
