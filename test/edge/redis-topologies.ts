import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../helpers/free-port.js';
import { stopChild } from '../helpers/processes.js';

const run = promisify(execFile);
const cli = (port: number, ...args: string[]) => run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args]).then((r) => r.stdout.trim());

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn().catch(() => null);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** redis-server processes of the test's own, each in the foreground, stopped by PID; files in one temporary folder. */
async function processes() {
  const dir = await mkdtemp(join(tmpdir(), 'sidebar-redis-'));
  const children = new Map<number, ChildProcess>();
  return {
    dir,
    async start(port: number, args: string[]): Promise<void> {
      const child = spawn('redis-server', args, { stdio: 'ignore', cwd: dir });
      children.set(port, child);
      await until(`redis-server on ${port}`, async () => (await cli(port, 'ping')) === 'PONG', 10_000);
    },
    async kill(port: number): Promise<void> {
      const child = children.get(port);
      if (child) await stopChild(child, 'SIGKILL');
    },
    async stopAll(): Promise<void> {
      await Promise.all([...children.keys()].map((port) => this.kill(port)));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const base = (port: number, dir: string) => [
  '--port',
  String(port),
  '--bind',
  '127.0.0.1',
  '--save',
  '',
  '--appendonly',
  'no',
  '--dir',
  dir,
  '--logfile',
  `redis-${port}.log`,
  // Replicas sync at once (the default waits 5 s for more replicas to share one transfer).
  '--repl-diskless-sync-delay',
  '0',
];

/**
 * A Redis Cluster of three masters, each with one replica (six redis-server processes), made
 * with `redis-cli --cluster create`. A master that dies is replaced by its replica after the
 * node timeout (1 s here).
 */
export async function startRedisCluster() {
  const procs = await processes();
  const ports = await Promise.all(Array.from({ length: 6 }, () => freePort()));
  for (const port of ports) {
    await procs.start(port, [
      ...base(port, procs.dir),
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      `nodes-${port}.conf`,
      '--cluster-node-timeout',
      '1000',
    ]);
  }
  await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '1', '--cluster-yes']);
  await until('the cluster to be ok on every node, each replica in sync', async () => {
    const states = await Promise.all(ports.map((p) => cli(p, 'cluster', 'info')));
    const replication = await Promise.all(ports.map((p) => cli(p, 'info', 'replication')));
    const replicas = replication.filter((r) => r.includes('role:slave'));
    return states.every((s) => s.includes('cluster_state:ok')) && replicas.length === 3 && replicas.every((r) => r.includes('master_link_status:up'));
  });
  const alive = new Set(ports);
  /** The port of the master serving the slot of `key`, as a live node sees it. */
  async function masterOf(key: string): Promise<number> {
    const [node] = [...alive];
    const slot = Number(await cli(node as number, 'cluster', 'keyslot', key));
    const nodes = await cli(node as number, 'cluster', 'nodes');
    for (const line of nodes.split('\n')) {
      const [, address, flags, , , , , state, ...ranges] = line.split(' ');
      if (!flags?.includes('master') || flags.includes('fail') || state !== 'connected') continue;
      for (const range of ranges) {
        const [from, to = from] = range.split('-').map(Number);
        if (slot >= (from as number) && slot <= (to as number)) return Number(address?.split(':')[1]?.split('@')[0]);
      }
    }
    throw new Error(`no master serves slot ${slot}`);
  }
  return {
    nodes: ports.slice(0, 3).map((port) => ({ host: '127.0.0.1', port })),
    masterOf,
    /** Kills a master (SIGKILL); resolves once its replica serves the slot of `key` and the cluster is ok again. */
    async failOver(key: string): Promise<{ killed: number; promoted: number }> {
      const killed = await masterOf(key);
      await procs.kill(killed);
      alive.delete(killed);
      const promoted = await until('a replica to take over', async () => {
        const port = await masterOf(key).catch(() => null);
        return port !== null && port !== killed && (await cli(port, 'cluster', 'info')).includes('cluster_state:ok') ? port : null;
      });
      return { killed, promoted };
    },
    get: (key: string) => masterOf(key).then((port) => cli(port, 'get', key)),
    stop: () => procs.stopAll(),
  };
}

/**
 * A master, a replica of it and three Sentinels watching them (quorum 2, down after 1 s): the
 * set-up Sentinel's documentation starts from. Killing the master makes the Sentinels
 * promote the replica.
 */
export async function startSentinelSet(master = 'mymaster') {
  const procs = await processes();
  const [primary, replica, ...sentinels] = await Promise.all(Array.from({ length: 5 }, () => freePort()));
  await procs.start(primary as number, base(primary as number, procs.dir));
  await procs.start(replica as number, [...base(replica as number, procs.dir), '--replicaof', '127.0.0.1', String(primary)]);
  for (const port of sentinels) {
    const conf = join(procs.dir, `sentinel-${port}.conf`);
    await writeFile(
      conf,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${procs.dir}`,
        `sentinel monitor ${master} 127.0.0.1 ${primary} 2`,
        `sentinel down-after-milliseconds ${master} 1000`,
        `sentinel failover-timeout ${master} 5000`,
        `sentinel parallel-syncs ${master} 1`,
        '',
      ].join('\n'),
    );
    await procs.start(port, [conf, '--sentinel']);
  }
  await until('the replica in sync', async () => (await cli(replica as number, 'info', 'replication')).includes('master_link_status:up'));
  await until('the Sentinels to know the replica and each other', async () => {
    for (const port of sentinels) {
      const replicas = await cli(port, 'sentinel', 'replicas', master);
      const others = await cli(port, 'sentinel', 'sentinels', master);
      if (!replicas.includes(String(replica)) || (others.match(/^name$/gm)?.length ?? 0) < 2) return false;
    }
    return true;
  });
  const masterPort = async () => Number((await cli(sentinels[0] as number, 'sentinel', 'get-master-addr-by-name', master)).split('\n')[1]);
  return {
    sentinels: sentinels.map((port) => ({ host: '127.0.0.1', port })),
    master,
    masterPort,
    /** Kills the master (SIGKILL); resolves once the Sentinels name the promoted replica and it takes writes. */
    async failOver(): Promise<{ killed: number; promoted: number }> {
      const killed = await masterPort();
      await procs.kill(killed);
      const promoted = await until('the Sentinels to promote the replica', async () => {
        const port = await masterPort();
        return port !== killed && (await cli(port, 'role')).startsWith('master') ? port : null;
      });
      return { killed, promoted };
    },
    get: async (key: string) => cli(await masterPort(), 'get', key),
    stop: () => procs.stopAll(),
  };
}
