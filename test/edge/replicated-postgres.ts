import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from '../helpers/free-port.js';

const run = promisify(execFile);
const bin = '/usr/lib/postgresql/15/bin';

/** As root, PostgreSQL's programs run as the postgres user (they refuse root); setpriv execs, so a PID is the program's own. */
async function asPostgres(): Promise<{ prefix: string[]; owner: { uid: number; gid: number } | null }> {
  if (process.getuid?.() !== 0) return { prefix: [], owner: null };
  const line = (await readFile('/etc/passwd', 'utf8')).split('\n').find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error('no postgres user to run PostgreSQL as (it refuses to run as root)');
  const [, , uid, gid] = line.split(':');
  return { prefix: ['/usr/bin/setpriv', '--reuid=postgres', '--regid=postgres', '--init-groups'], owner: { uid: Number(uid), gid: Number(gid) } };
}

/**
 * A PostgreSQL 15 primary and a streaming replica of it, both the test's own: `initdb` on a free
 * port, `pg_basebackup -R` of it into a second data directory, started as a hot standby on
 * another port. Each server runs in the foreground and is stopped by its PID; the data
 * directories live in a temporary folder removed by stop(). Never the machine's server.
 */
export async function startReplicatedPostgres() {
  const dir = await mkdtemp(join(tmpdir(), 'sidebar-replica-'));
  const { prefix, owner } = await asPostgres();
  if (owner) await chown(dir, owner.uid, owner.gid);
  const exec = (program: string, args: string[]) =>
    run(prefix[0] ?? join(bin, program), prefix.length ? [...prefix.slice(1), join(bin, program), ...args] : args, { cwd: dir });
  const servers: ChildProcess[] = [];

  async function startServer(dataDir: string, port: number): Promise<ChildProcess> {
    const args = ['-D', dataDir, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=100'];
    const command = prefix.length ? [...prefix, join(bin, 'postgres'), ...args] : [join(bin, 'postgres'), ...args];
    const child = spawn(command[0] as string, command.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    servers.push(child);
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`postgres on ${port} exited (${child.exitCode}): ${stderr}`);
      const client = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres`, connectionTimeoutMillis: 1000 });
      const up = await client.connect().then(
        () => client.query('select 1').then(() => true),
        () => false,
      );
      await client.end().catch(() => {});
      if (up) return child;
      if (Date.now() > deadline) throw new Error(`postgres on ${port} did not answer within 30 s: ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async function stopServer(child: ChildProcess, signal: NodeJS.Signals = 'SIGINT'): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill(signal); // SIGINT: fast shutdown
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  const primaryPort = await freePort();
  const replicaPort = await freePort();
  await exec('initdb', ['-D', join(dir, 'primary'), '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const primary = await startServer(join(dir, 'primary'), primaryPort);
  // -R writes standby.signal and primary_conninfo: the copy starts as a streaming replica.
  await exec('pg_basebackup', ['-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres', '-D', join(dir, 'replica'), '-R', '-X', 'stream', '--no-sync']);
  const replica = await startServer(join(dir, 'replica'), replicaPort);

  const url = (port: number, database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  const onReplica = async (sql: string) => {
    const client = new pg.Client({ connectionString: url(replicaPort, 'postgres') });
    await client.connect();
    try {
      return (await client.query(sql)).rows;
    } finally {
      await client.end();
    }
  };
  return {
    primaryUrl: (database = 'postgres') => url(primaryPort, database),
    replicaUrl: (database = 'postgres') => url(replicaPort, database),
    replicaPid: replica.pid as number,
    /** Stops applying WAL on the replica: it keeps answering, with the data it had (replication lag, made to order). */
    pauseReplay: () => onReplica('select pg_wal_replay_pause()'),
    resumeReplay: () => onReplica('select pg_wal_replay_resume()'),
    /** Whether the replica is in recovery (a standby) and streaming from the primary. */
    async streaming(): Promise<boolean> {
      const rows = await onReplica(`select pg_is_in_recovery() as standby, (select status from pg_stat_wal_receiver) as receiver`);
      return rows[0]?.standby === true && rows[0]?.receiver === 'streaming';
    },
    killReplica: () => stopServer(replica, 'SIGKILL'),
    async stop(): Promise<void> {
      await stopServer(replica);
      await stopServer(primary);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
