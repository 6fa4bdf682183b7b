import { type ChildProcess, spawn } from 'node:child_process';
import { chmod, chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from '../helpers/free-port.js';
import { asPostgres, stopChild, waitForPostgres } from '../helpers/processes.js';

/**
 * Debian's PgBouncer (`/usr/sbin/pgbouncer`) in transaction mode in front of a PostgreSQL
 * server, as Supabase's pooler runs: every database name is passed through (`*`), a client
 * holds a server connection only for the length of a transaction. Started in the foreground
 * by the caller and stopped by its PID. PgBouncer refuses to run as root: as root, it runs as
 * the `postgres` user (asPostgres()).
 */
export async function startPgBouncer(server: { host: string; port: number; user: string }) {
  const dir = await mkdtemp(join(tmpdir(), 'sidebar-pgbouncer-'));
  const port = await freePort();
  await writeFile(join(dir, 'userlist.txt'), `"${server.user}" ""\n`);
  await writeFile(
    join(dir, 'pgbouncer.ini'),
    `[databases]
* = host=${server.host} port=${server.port}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = ${port}
unix_socket_dir =
auth_type = trust
auth_file = ${dir}/userlist.txt
admin_users = ${server.user}
pool_mode = transaction
max_client_conn = 2000
default_pool_size = 20
logfile = ${dir}/pgbouncer.log
pidfile = ${dir}/pgbouncer.pid
`,
  );
  const { prefix, owner } = await asPostgres();
  if (owner) {
    await chown(dir, owner.uid, owner.gid);
    for (const file of ['userlist.txt', 'pgbouncer.ini']) await chown(join(dir, file), owner.uid, owner.gid);
  }
  await chmod(dir, 0o700);
  const command = [...prefix, '/usr/sbin/pgbouncer', join(dir, 'pgbouncer.ini')];
  const child: ChildProcess = spawn(command[0] as string, command.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const url = `postgres://${server.user}@127.0.0.1:${port}/postgres`;
  await waitForPostgres(url, child, async () => `${stderr}${await readFile(join(dir, 'pgbouncer.log'), 'utf8').catch(() => '')}`, 10_000);
  return {
    port,
    /** A connection string through PgBouncer (to the `postgres` database; change the path for another). */
    url,
    pid: child.pid as number,
    /** Transactions and queries PgBouncer passed on, over every database (its admin console's SHOW STATS). */
    async served(): Promise<{ transactions: number; queries: number; databases: number }> {
      const client = new pg.Client({ connectionString: url.replace(/\/postgres$/, '/pgbouncer') });
      await client.connect();
      try {
        // The admin console speaks only the simple query protocol.
        const { rows } = await client.query<{ database: string; total_xact_count: string; total_query_count: string }>({
          text: 'SHOW STATS',
          queryMode: 'simple',
        } as never);
        const real = rows.filter((r) => r.database !== 'pgbouncer');
        return {
          transactions: real.reduce((n, r) => n + Number(r.total_xact_count), 0),
          queries: real.reduce((n, r) => n + Number(r.total_query_count), 0),
          databases: real.length,
        };
      } finally {
        await client.end();
      }
    },
    async stop(): Promise<void> {
      await stopChild(child, 'SIGINT'); // PgBouncer: SIGINT is a safe shutdown
      await rm(dir, { recursive: true, force: true });
    },
  };
}
