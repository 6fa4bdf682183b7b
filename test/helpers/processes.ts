import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { Redis } from 'ioredis';
import pg from 'pg';

/**
 * Stops a process the test started, by its PID: `signal` (its own graceful stop), then SIGKILL
 * if it is still running after `graceMs`. Resolves once it has exited; at once if it had.
 */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/**
 * How to run PostgreSQL's programs and PgBouncer, which refuse to run as root: as root, as the
 * `postgres` user through setpriv (which execs, so a PID is the program's own), with the folders
 * they use given to that user; otherwise as this user.
 */
export async function asPostgres(): Promise<{ prefix: string[]; owner: { uid: number; gid: number } | null }> {
  if (process.getuid?.() !== 0) return { prefix: [], owner: null };
  const line = (await readFile('/etc/passwd', 'utf8')).split('\n').find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error('no postgres user to run PostgreSQL and PgBouncer as (they refuse to run as root)');
  const [, , uid, gid] = line.split(':');
  return { prefix: ['/usr/bin/setpriv', '--reuid=postgres', '--regid=postgres', '--init-groups'], owner: { uid: Number(uid), gid: Number(gid) } };
}

/** Deletes every key under `prefix` (a test's or a benchmark's own namespace) from the Redis at url. */
export async function deleteRedisKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}

/**
 * Waits until a PostgreSQL server (or a pooler in front of one) at url answers a query; fails
 * at once if `child` exits meanwhile, and after timeoutMs, with `output()` (what it printed) in
 * the message.
 */
export async function waitForPostgres(url: string, child: ChildProcess, output: () => Promise<string> | string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${url} exited (${child.exitCode}) before answering: ${await output()}`);
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    const up = await client.connect().then(
      () => client.query('select 1').then(() => true),
      () => false,
    );
    await client.end().catch(() => {});
    if (up) return;
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs / 1000} s: ${await output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
