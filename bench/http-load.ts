/**
 * HTTP load for the benchmark: wrk (C, epoll; Debian's package) rather than a load generator
 * in Node, which on two cores saturates before a fast server does and makes every server look
 * the same. Each run also samples the CPU time of wrk and of the server under load, so the
 * report shows that the generator had headroom.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { cpuTicks } from '../test/helpers/proc.js';

export interface LoadResult {
  rps: number;
  p50_ms: number;
  p99_ms: number;
  /** Requests that got no answer within wrk's timeout (2 s), plus socket errors. */
  timeouts: number;
  errors: number;
  /** Share of one core used during the run. */
  wrk_cpu: number;
  server_cpu: number;
}

/** Makes sure wrk is installed: from Debian's packages when missing and this is root; fails with a hint otherwise. */
export function ensureWrk(): void {
  if (spawnSync('wrk', ['--version']).error === undefined) return;
  if (process.getuid?.() === 0 && spawnSync('apt-get', ['--version']).error === undefined) {
    console.log('installing wrk (Debian package) for the HTTP load');
    execFileSync('apt-get', ['install', '-y', '-qq', 'wrk'], { stdio: 'inherit' });
    return;
  }
  throw new Error('wrk is needed for the HTTP benchmark: apt-get install wrk (or --skip-http)');
}

const ticksPerSecond = 100; // USER_HZ on Linux

function toMs(value: string): number {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(value.trim());
  if (!match) return Number.NaN;
  const n = Number(match[1]);
  return match[2] === 'us' ? n / 1000 : match[2] === 'ms' ? n : match[2] === 's' ? n * 1000 : n * 60_000;
}

/** CPU ticks of several processes (a primary and its workers), together. */
const ticksOf = (pids: number[]) => pids.reduce((sum, pid) => sum + cpuTicks(pid), 0);

/**
 * One wrk run of `seconds` against url with `connections` and `threads` (default 1), and the CPU
 * both sides used (the server's summed over serverPid's processes: a primary and its workers).
 */
export async function wrk(
  url: string,
  options: {
    connections: number;
    seconds: number;
    headers?: Record<string, string>;
    serverPid: number | number[];
    threads?: number;
    /** A wrk Lua script (for example one that cycles through several paths). */
    script?: string;
  },
): Promise<LoadResult> {
  const serverPids = Array.isArray(options.serverPid) ? options.serverPid : [options.serverPid];
  const args = [`-t${options.threads ?? 1}`, `-c${options.connections}`, `-d${options.seconds}s`, '--latency', '--timeout', '2s'];
  for (const [name, value] of Object.entries(options.headers ?? {})) args.push('-H', `${name}: ${value}`);
  if (options.script) args.push('-s', options.script);
  const child = spawn('wrk', [...args, url], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk) => {
    out += chunk;
  });
  const pid = child.pid as number;
  // Sample after connections are up and before wrk prints and exits.
  await new Promise((r) => setTimeout(r, 300));
  const start = { wrk: cpuTicks(pid), server: ticksOf(serverPids), at: performance.now() };
  await new Promise((r) => setTimeout(r, options.seconds * 1000 - 600));
  const end = { wrk: cpuTicks(pid), server: ticksOf(serverPids), at: performance.now() };
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`wrk exited with ${code}: ${out}`);
  const wall = (end.at - start.at) / 1000;
  const share = (a: number, b: number) => Math.round(((b - a) / ticksPerSecond / wall) * 100) / 100;
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    rps: Math.round(Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1])),
    p50_ms: toMs(/50%\s+(\S+)/.exec(out)?.[1] ?? ''),
    p99_ms: toMs(/99%\s+(\S+)/.exec(out)?.[1] ?? ''),
    timeouts: Number(socket?.[4] ?? 0),
    errors: socket ? Number(socket[1]) + Number(socket[2]) + Number(socket[3]) : 0,
    wrk_cpu: share(start.wrk, end.wrk),
    server_cpu: share(start.server, end.server),
  };
}

/** The service's answer as it goes on the wire: status, headers in order (minus those Node adds itself), body. */
export function rawGet(url: string, headers: Record<string, string>): Promise<{ status: number; headers: string[]; body: Buffer }> {
  return new Promise((resolve, reject) => {
    request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const own = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);
        const raw = res.rawHeaders.flatMap((v, i, all) => (i % 2 === 0 && !own.has(v.toLowerCase()) ? [v, all[i + 1] as string] : []));
        resolve({ status: res.statusCode ?? 0, headers: raw, body: Buffer.concat(chunks) });
      });
    })
      .on('error', reject)
      .end();
  });
}

/** A wrk script that requests `paths` in turn, round-robin (one wrk thread: one Lua state, one cycle). */
export function roundRobinScript(paths: readonly string[]): string {
  return `local paths = { ${paths.map((p) => JSON.stringify(p)).join(', ')} }
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, paths[(n % #paths) + 1])
end
`;
}
