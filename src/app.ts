import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import compress from '@fastify/compress';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { authPlugin } from './auth/plugin.js';
import type { Cache } from './cache/index.js';
import { cachePlugin } from './cache/plugin.js';
import { createWindowCounter, windowCounterStore } from './cache/window-counter.js';
import { cdnPlugin } from './cdn/plugin.js';
import type { Config } from './config/index.js';
import { languageTagFormat, timeZoneFormat } from './contract/index.js';
import type { Db } from './db/index.js';
import { dbPlugin } from './db/plugin.js';
import type { SchemaState } from './db/startup.js';
import { feedsPlugin } from './feeds/routes.js';
import { healthPlugin } from './health/plugin.js';
import { corsPlugin } from './http/cors.js';
import { docsPlugin } from './http/docs.js';
import { createDrain } from './http/drain.js';
import { clientErrorHandler, errorsPlugin, frameworkErrors } from './http/errors.js';
import { securityHeadersPlugin } from './http/security.js';
import { observabilityPlugin } from './observability/plugin.js';
import { schedulerPlugin } from './scheduler/plugin.js';
import { type HotPathSlot, sidebarPlugin } from './sidebar/plugin.js';
import { sidebarRoutes } from './sidebar/routes.js';
import { isLanguageTag } from './sidebar/variants/names.js';
import { isTimeZone } from './sidebar/variants/windows.js';
import { streamPlugin } from './stream/plugin.js';
import { webPlugin } from './web/plugin.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The configuration, for routes and commands (plugins receive their part as options). */
    config: Config;
  }
}

export interface BuildAppOptions {
  config: Config;
  /** A database the caller opened, migrated and closes; default: opened from config, closed with the app. */
  db?: Db;
  /** That database's start-up preparation, running in the background (server.ts); default: done. */
  dbStartup?: SchemaState;
  /** A cache the caller opened and closes; default: opened from config, closed with the app. */
  cache?: Cache;
  /** The process's logger; default: a pino logger at config.logLevel (false: none). */
  logger?: FastifyBaseLogger | false;
  /**
   * 'server' (default): background jobs, version polling and the hot path run. 'cli': the same
   * parts, for a command that uses them once and exits.
   */
  role?: 'server' | 'cli';
  /** A serving process runs the background jobs (schedule, change polling, retention); default true. Of several workers, one does. */
  jobs?: boolean;
}

/**
 * The one composition root: the server and the CLI both build the service here, tests too.
 * Each module is a named plugin that decorates what it owns and closes what it opened; the
 * order below is the order of their dependencies. Migrations and demo data are the
 * process's business (process.ts), not the app's.
 */
export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const { config, role = 'server' } = options;
  const serving = role === 'server';
  // Plain sidebar GETs are answered in the node:http handler, ahead of Fastify, once the sidebar plugin fills this in.
  const hotPath: HotPathSlot = { handle: null };
  let drain: ReturnType<typeof createDrain> | null = null;
  const app: FastifyInstance = Fastify({
    serverFactory: (handler) => {
      const server = createServer({ connectionsCheckingInterval: 1000 }, (req, res) => {
        drain?.onRequest(res);
        return hotPath.handle?.(req, res) || handler(req, res);
      });
      drain = createDrain(server);
      // Longer than the usual load-balancer idle timeout (60 s), so the balancer, not us, closes
      // idle connections (else it may send on one we just closed). Fastify's own default, which a
      // serverFactory does not get.
      server.keepAliveTimeout = 72_000;
      // A whole request, body included, within requestTimeoutMs (Node's default is 300 s, which
      // lets slow uploads hold connections), checked every second rather than every 30 s.
      server.requestTimeout = config.requestTimeoutMs;
      server.headersTimeout = Math.min(15_000, config.requestTimeoutMs);
      return server;
    },
    ...(options.logger ? { loggerInstance: options.logger } : { logger: options.logger === false ? false : { level: config.logLevel } }),
    trustProxy: config.trustProxy,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    ajv: {
      customOptions: {
        coerceTypes: true,
        removeAdditional: 'all',
        useDefaults: true,
        formats: { [timeZoneFormat]: isTimeZone, [languageTagFormat]: isLanguageTag },
      },
    },
    // The errors plugin answers requests that arrive while closing, in the one error shape.
    return503OnClosing: false,
    frameworkErrors,
    clientErrorHandler: clientErrorHandler(() => app.log),
  });
  app.decorate('config', config);
  // First of the preClose hooks: answers given while the others run end their connections too.
  app.addHook('preClose', async () => drain?.start());
  app.addHook('onClose', async () => drain?.stop());

  await app.register(errorsPlugin);
  await app.register(securityHeadersPlugin);
  await app.register(corsPlugin, { origins: config.corsOrigins, admin: config.corsAdmin });
  await app.register(compress, { global: true, threshold: 1024, encodings: ['br', 'gzip', 'deflate'] });
  await app.register(docsPlugin);
  await app.register(dbPlugin, { config, db: options.db, startup: options.dbStartup, listen: serving && config.wakeups });
  await app.register(cachePlugin, { config, cache: options.cache });
  // The admin refresh limit and the failed-authentication limit count for the fleet with Redis
  // (every instance and worker shares the count), per process otherwise or while Redis fails.
  const limits = createWindowCounter(app.cache, { prefix: `${config.cacheKeyPrefix}:limits` });
  await app.register(rateLimit, { global: false, store: windowCounterStore(limits) });
  await app.register(observabilityPlugin, { config });
  await app.register(authPlugin, {
    limits,
    adminApiKey: config.adminApiKey,
    supabaseUrl: config.supabaseUrl,
    supabaseJwtSecret: config.supabaseJwtSecret,
    jwtMaxAgeSeconds: config.adminJwtMaxAgeSeconds,
    failuresPerMinute: config.adminAuthFailuresPerMinute,
  });
  await app.register(healthPlugin);
  await app.register(sidebarPlugin, { config, hotPath: serving ? hotPath : undefined, watchVersions: serving });
  await app.register(cdnPlugin, { config });
  await app.register(schedulerPlugin, { config, runJobs: serving && (options.jobs ?? true) });
  await app.register(sidebarRoutes);
  await app.register(feedsPlugin);
  await app.register(streamPlugin, { config });
  await app.register(webPlugin, { enabled: config.webPagesEnabled && serving });

  app.log.info({ database: app.db.description, cache: app.cache.description }, 'sidebar service built');
  return app;
}
