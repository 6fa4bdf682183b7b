import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from '../helpers/free-port.js';
import { asPostgres, stopChild, waitForPostgres } from '../helpers/processes.js';

const run = promisify(execFile);
const bin = '/usr/lib/postgresql/15/bin';

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
  // A PostgreSQL program with its arguments, as the user it must run as.
  const commandOf = (program: string, args: string[]) => [...prefix, join(bin, program), ...args] as [string, ...string[]];
  const exec = (program: string, args: string[]) => {
    const [file, ...rest] = commandOf(program, args);
    return run(file, rest, { cwd: dir });
  };

  async function startServer(dataDir: string, port: number): Promise<ChildProcess> {
    const args = ['-D', dataDir, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=100'];
    const [file, ...rest] = commandOf('postgres', args);
    const child = spawn(file, rest, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    await waitForPostgres(`postgres://postgres@127.0.0.1:${port}/postgres`, child, () => stderr);
    return child;
  }

  /** SIGINT: PostgreSQL's fast shutdown. */
  const stopServer = (child: ChildProcess, signal: NodeJS.Signals = 'SIGINT') => stopChild(child, signal, 10_000);

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
