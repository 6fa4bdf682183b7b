import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';
import { asPostgres, stopChild, waitForPostgres } from './processes.js';

const run = promisify(execFile);
const bin = '/usr/lib/postgresql/15/bin';

/** Whether this machine has PostgreSQL 15's programs, to start servers of a test's own. */
export const postgresProgramsInstalled = existsSync(join(bin, 'initdb'));

/**
 * A folder for PostgreSQL servers of a test's own: their data directories and sockets, owned by
 * the user PostgreSQL runs as (never root). Servers run in the foreground and are stopped by
 * their PID; remove() deletes the folder. Never the machine's server.
 */
export async function postgresWorkspace(name: string) {
  const dir = await mkdtemp(join(tmpdir(), `sidebar-${name}-`));
  const { prefix, owner } = await asPostgres();
  if (owner) await chown(dir, owner.uid, owner.gid);
  // A PostgreSQL program with its arguments, as the user it must run as.
  const commandOf = (program: string, args: string[]) => [...prefix, join(bin, program), ...args] as [string, ...string[]];
  const exec = (program: string, args: string[]) => {
    const [file, ...rest] = commandOf(program, args);
    return run(file, rest, { cwd: dir });
  };

  return {
    dir,
    exec,
    /** `initdb` of a cluster in dataDir (under dir): superuser postgres, trust authentication. */
    initdb: (dataDir: string) => exec('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']),
    /** Starts the server of dataDir on 127.0.0.1:port; resolves once it answers. */
    async startServer(dataDir: string, port: number): Promise<ChildProcess> {
      const args = ['-D', dataDir, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=100'];
      const [file, ...rest] = commandOf('postgres', args);
      const child = spawn(file, rest, { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr?.on('data', (chunk) => {
        stderr = (stderr + chunk).slice(-4000);
      });
      await waitForPostgres(`postgres://postgres@127.0.0.1:${port}/postgres`, child, () => stderr);
      return child;
    },
    /** SIGINT: PostgreSQL's fast shutdown. */
    stopServer: (child: ChildProcess, signal: NodeJS.Signals = 'SIGINT') => stopChild(child, signal, 10_000),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** A PostgreSQL 15 server of the test's own (initdb, a free port), for tests that change what the machine's must not: roles, settings. */
export async function startOwnPostgres(name: string) {
  const workspace = await postgresWorkspace(name);
  const port = await freePort();
  await workspace.initdb(join(workspace.dir, 'data'));
  const server = await workspace.startServer(join(workspace.dir, 'data'), port);
  return {
    /** The connection string of `database` as `user` (trust authentication: no password). */
    url: (database = 'postgres', user = 'postgres') => `postgres://${user}@127.0.0.1:${port}/${database}`,
    async stop(): Promise<void> {
      await workspace.stopServer(server);
      await workspace.remove();
    },
  };
}
