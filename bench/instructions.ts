/**
 * CPU instructions per hot-path request, counted by valgrind's callgrind: unlike requests per
 * second, the count does not move with what else the machine (or its host) is doing, so it
 * compares the service with the baseline exactly. Each server runs under callgrind; after a
 * warm-up (the JIT settles), counters are zeroed, a fixed number of requests is sent, and the
 * count is divided by it. Time-based background work (timers, the version poll) is included,
 * stretched by valgrind's slowness, so the figure is an upper bound for the service.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';

export function haveValgrind(): boolean {
  return spawnSync('valgrind', ['--version']).error === undefined && spawnSync('callgrind_control', ['--version']).error === undefined;
}

/** Sends `count` GETs over 8 keep-alive connections. */
async function send(url: string, count: number, headers: Record<string, string>): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  let sent = 0;
  const one = () =>
    new Promise<void>((resolve, reject) => {
      request(url, { agent, headers }, (res) => {
        res.resume();
        res.on('end', resolve);
      })
        .on('error', reject)
        .end();
    });
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (sent < count) {
        sent++;
        await one();
      }
    }),
  );
  agent.destroy();
}

async function waitUntilAnswering(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: the server under valgrind exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${url} did not answer under valgrind within ${timeoutMs} ms`);
}

/** Instructions per request of `command` (a server listening on `url`), for requests with `headers`. */
export async function instructionsPerRequest(options: {
  name: string;
  dir: string;
  command: string[];
  env?: NodeJS.ProcessEnv;
  url: string;
  headers: Record<string, string>;
  warmup: number;
  count: number;
}): Promise<number> {
  const out = join(options.dir, `callgrind.${options.name}`);
  const child = spawn('valgrind', ['--tool=callgrind', `--callgrind-out-file=${out}`, ...options.command], {
    env: options.env ?? process.env,
    stdio: 'ignore',
  });
  try {
    await waitUntilAnswering(options.url, child, 180_000);
    await send(options.url, options.warmup, options.headers);
    // vgdb names its pipes after $USER and $HOST (which the service's own HOST setting changes): same env on both sides.
    const control = (command: string) => spawnSync('callgrind_control', [command, String(child.pid)], { env: options.env ?? process.env });
    control('--zero');
    await send(options.url, options.count, options.headers);
    control('--dump');
    // The dump is written when valgrind next looks at its commands: wait for it.
    for (let waited = 0; waited < 60_000; waited += 500) {
      const dump = readdirSync(options.dir).find((f) => f.startsWith(`callgrind.${options.name}.`));
      const totals = dump ? /^totals: (\d+)/m.exec(readFileSync(join(options.dir, dump), 'utf8')) : null;
      if (totals) return Math.round(Number(totals[1]) / options.count);
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`no callgrind totals for ${options.name}`);
  } finally {
    child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 2000));
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}
