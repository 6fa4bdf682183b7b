import { setTimeout as sleep } from 'node:timers/promises';
import closeWithGrace from 'close-with-grace';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { buildApp } from './app.js';
import type { Config } from './config/index.js';
import { paths } from './contract/index.js';
import { StartupStoppedError } from './db/startup.js';
import { loggerOptions } from './logger.js';
import { startDatabase } from './process.js';

/** How long a start waits for the database before it listens without it. */
const startupWaitMs = 2000;

/**
 * Runs the service as a process: opens the database (migrating it in the background, retried
 * while it is unreachable), builds the app, listens, and on SIGTERM/SIGINT stops taking
 * connections, lets in-flight requests and a running refresh finish (within the grace
 * period), then closes the cache and the database. A start-up that fails for good (a broken
 * migration, a wrong password) stops the process with exit code 1. One of several workers
 * (workers.ts) runs the background jobs only when `jobs` is set.
 */
export async function startServer(config: Config, options: { jobs?: boolean; worker?: number | null } = {}): Promise<FastifyInstance> {
  const root = pino(loggerOptions(config.logLevel));
  // A worker's lines say which one wrote them.
  const log = options.worker == null ? root : root.child({ worker: options.worker });
  const { db, startup } = await startDatabase(config, log);
  // A database that works is migrated before the first request, as before; one that does not
  // answer within startupWaitMs does not keep the service from listening (it retries behind).
  await Promise.race([startup.whenReady.catch(() => {}), sleep(startupWaitMs)]);
  const app = await buildApp({ config, db, dbStartup: startup, logger: log, jobs: options.jobs ?? true });

  const shutdown = async () => {
    await app.close();
    await db.close();
  };
  closeWithGrace({ delay: config.shutdownGraceMs }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'fatal error; shutting down');
    else app.log.info({ signal }, 'shutting down');
    await shutdown();
  });
  startup.whenReady.catch(async (err: Error) => {
    if (err instanceof StartupStoppedError) return; // closing
    app.log.fatal({ err }, 'database start-up failed; not retrying (fix it and restart)');
    await shutdown().catch(() => {});
    process.exit(1);
  });

  // A deep accept queue: thousands of clients (re)connecting at once, after a deploy or a load
  // balancer's failover, must not have their SYNs dropped (Node's default is 511; the kernel
  // caps it at net.core.somaxconn).
  await app.listen({ port: config.port, host: config.host, backlog: 4096 });
  app.log.info(`sidebar: http://localhost:${config.port}${paths.sidebar}   docs: http://localhost:${config.port}/docs`);
  return app;
}
