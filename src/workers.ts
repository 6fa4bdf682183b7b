import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import type { Config } from './config/index.js';
import { serveClusterMetrics } from './observability/cluster.js';

/** The environment variable through which the primary tells a worker its index (0 runs the jobs). */
const workerIndexVariable = 'SIDEBAR_WORKER_INDEX';
/** A worker that dies within this long of its start is restarted after a growing pause. */
const crashLoopMs = 10_000;
const maxRestartDelayMs = 30_000;

/** This process's place among the workers: null when it is not a worker (WEB_CONCURRENCY=1). */
export function workerIndex(): number | null {
  if (!cluster.isWorker) return null;
  return Number(process.env[workerIndexVariable] ?? 0);
}

/**
 * WEB_CONCURRENCY workers (node:cluster): the primary runs no service of its own; it forks the
 * workers, which share the listening port (the primary hands out connections round-robin) and
 * each hold their own copy of the sidebar's bytes, database pool and cache connection. Worker
 * 0 runs the background jobs (the schedule, change polling, retention), the others only serve,
 * so the database sees the same jobs as from one process; refreshes made by worker 0 reach the
 * others by Redis pub/sub or their version poll, as they reach other instances. A worker that
 * dies is replaced (with a growing pause if it keeps dying at start); worker 0's replacement
 * takes over the jobs. SIGTERM/SIGINT to the primary is passed to every worker, each drains as
 * a single process does (in-flight requests and a running refresh finish within
 * SHUTDOWN_GRACE_MS), and the primary exits once they all have. A worker that fails its
 * start-up for good (exit code 1 before it ever listened: a broken migration, a wrong
 * password) stops them all with exit code 1, as a single process would.
 */
export function runPrimary(config: Pick<Config, 'webConcurrency' | 'shutdownGraceMs'>, log: Logger): Promise<number> {
  // /metrics of any worker reports the whole instance: the primary gathers them all.
  serveClusterMetrics();
  const slots = new Map<number, { worker: Worker; startedAt: number; listened: boolean; restarts: number }>();
  let stopping = false;
  let exitCode = 0;
  let resolveDone: (code: number) => void = () => {};
  const done = new Promise<number>((resolve) => {
    resolveDone = resolve;
  });

  function fork(index: number, restarts = 0): void {
    const worker = cluster.fork({ [workerIndexVariable]: String(index) });
    const slot = { worker, startedAt: Date.now(), listened: false, restarts };
    slots.set(index, slot);
    worker.on('listening', () => {
      slot.listened = true;
    });
    worker.on('exit', (code, signal) => {
      if (slots.get(index)?.worker !== worker) return;
      slots.delete(index);
      if (stopping) {
        if (slots.size === 0) resolveDone(exitCode);
        return;
      }
      if (code === 1 && !slot.listened) {
        log.fatal({ worker: index, code }, 'a worker failed to start; stopping every worker');
        exitCode = 1;
        stop('SIGTERM');
        return;
      }
      const quick = Date.now() - slot.startedAt < crashLoopMs;
      const next = quick ? restarts + 1 : 0;
      const delayMs = quick ? Math.min(maxRestartDelayMs, 500 * 2 ** restarts) : 0;
      log.error({ worker: index, pid: worker.process.pid, code, signal, restart_in_ms: delayMs }, 'worker died; starting another');
      setTimeout(() => {
        if (!stopping) fork(index, next);
      }, delayMs);
    });
  }

  function stop(signal: NodeJS.Signals): void {
    if (stopping) return;
    stopping = true;
    log.info({ signal, workers: slots.size }, 'shutting down every worker');
    if (slots.size === 0) resolveDone(exitCode);
    for (const { worker } of slots.values()) worker.process.kill('SIGTERM');
    // A worker that outlives its own grace period (plus its closing) is killed.
    setTimeout(() => {
      for (const { worker } of slots.values()) worker.process.kill('SIGKILL');
    }, config.shutdownGraceMs + 5000).unref();
  }

  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  log.info({ workers: config.webConcurrency, pid: process.pid }, 'starting workers');
  for (let i = 0; i < config.webConcurrency; i++) fork(i);
  return done;
}
