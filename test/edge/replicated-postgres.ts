import { join } from 'node:path';
import pg from 'pg';
import { freePort } from '../helpers/free-port.js';
import { postgresWorkspace } from '../helpers/own-postgres.js';

/**
 * A PostgreSQL 15 primary and a streaming replica of it, both the test's own: `initdb` on a free
 * port, `pg_basebackup -R` of it into a second data directory, started as a hot standby on
 * another port. Each server runs in the foreground and is stopped by its PID; the data
 * directories live in a temporary folder removed by stop(). Never the machine's server.
 */
export async function startReplicatedPostgres() {
  const workspace = await postgresWorkspace('replica');
  const { dir, exec, startServer, stopServer } = workspace;

  const primaryPort = await freePort();
  const replicaPort = await freePort();
  await workspace.initdb(join(dir, 'primary'));
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
      await workspace.remove();
    },
  };
}
