import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import compress from '@fastify/compress';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { authPlugin } from './auth/plugin.js';
import { adminAuthMode } from './auth/verify.js';
import { type Cache, createCache } from './cache/index.js';
import type { Config } from './config/index.js';
import { createDb, type Db } from './db/index.js';
import { migrate } from './db/migrate.js';
import { seedDemoDataIfEmpty } from './events/demo.js';
import { feedRoutes } from './feeds/routes.js';
import { healthRoutes } from './health-routes.js';
import { createMetrics, type Metrics } from './observability/metrics.js';
import { metricsRoutes } from './observability/routes.js';
import { createRefreshCoalescer, type RefreshCoalescer } from './scheduler/coalescer.js';
import { createRefreshLoop, type RefreshLoop } from './scheduler/refresh-loop.js';
import { createRetentionJob } from './scheduler/retention.js';
import { createSidebarFastPath } from './sidebar/fast-path.js';
import { createSidebarRepository, type SidebarRepository } from './sidebar/repository.js';
import { sidebarRoutes } from './sidebar/routes.js';
import { errorSchema } from './sidebar/schemas.js';
import { createSidebarService, type SidebarService } from './sidebar/service.js';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    db: Db;
    cache: Cache;
    metrics: Metrics;
    sidebarRepository: SidebarRepository;
    sidebarService: SidebarService;
    refreshLoop: RefreshLoop;
    refreshCoalescer: RefreshCoalescer;
  }
}

export interface BuildAppOptions {
  config: Config;
  /** Injected database; the caller owns it and closes it. Default: from config, closed with the app. */
  db?: Db;
  /** Injected cache; the caller owns it and closes it. Default: from config, closed with the app. */
  cache?: Cache;
  logger?: FastifyServerOptions['logger'];
}

/**
 * Builds the service: database, cache, auth, the sidebar service and routes, the scheduler.
 * server.ts listens on it; tests inject requests into it with their own db and cache.
 */
export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const { config } = options;
  // The hot path runs in the node:http handler, ahead of Fastify; it is wired once the service exists.
  let fastPath: ((req: IncomingMessage, res: ServerResponse) => boolean) | null = null;
  let closing = false;
  const app = Fastify({
    serverFactory: (handler) => createServer((req, res) => fastPath?.(req, res) || handler(req, res)),
    logger: options.logger ?? { level: config.logLevel },
    trustProxy: config.trustProxy,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    ajv: { customOptions: { coerceTypes: true, removeAdditional: 'all', useDefaults: true } },
    return503OnClosing: true,
  });

  const db = options.db ?? (await createDb(config, app.log));
  const cache = options.cache ?? (await createCache(config, app.log));
  const metrics = createMetrics({ defaultMetrics: true });
  app.log.info({ database: db.description, cache: cache.description, auth: adminAuthMode(config) }, 'sidebar service starting');

  if (config.migrateOnStart) {
    const { applied, version } = await migrate(db);
    app.log.info({ applied, version }, applied.length ? 'migrations applied' : 'database schema is current');
  }
  // Demo data only ever goes into the embedded database: a configured DATABASE_URL is someone's real data.
  if (db.kind === 'pglite' && config.seedDemoData) {
    const seeded = await seedDemoDataIfEmpty(db);
    if (seeded) app.log.info({ events: seeded }, 'empty embedded database: loaded demo events');
  }

  const sidebarRepository = createSidebarRepository(db);
  const sidebarService = createSidebarService({ repository: sidebarRepository, cache, log: app.log, config, metrics });
  const refreshLoop = createRefreshLoop({
    enabled: config.schedulerEnabled,
    intervalSeconds: config.refreshIntervalSeconds,
    log: app.log,
    refresh: (trigger, minInterval) => sidebarService.refresh(trigger, minInterval),
    viewState: () => sidebarRepository.viewState(),
  });

  // Imports ask for refreshes through this, so a feed pushing every few seconds cannot hammer the database.
  const refreshCoalescer = createRefreshCoalescer({
    delayMs: config.importRefreshDelaySeconds * 1000,
    run: () => sidebarService.refresh('import'),
    log: app.log,
  });

  const retention = createRetentionJob({
    db,
    log: app.log,
    options: { days: config.retentionDays, archive: config.retentionArchive, batchSize: config.retentionBatchSize, maxBatches: 500, pauseMs: 50 },
  });

  fastPath = createSidebarFastPath({
    service: sidebarService,
    observe: (status, seconds) => metrics.observeFastPath(status, seconds),
    isClosing: () => closing,
  });

  metrics.bind({
    answers: () => sidebarService.counters,
    viewAgeSeconds: async () => {
      const { last_success_at } = await sidebarRepository.viewState();
      return last_success_at ? (Date.now() - last_success_at.getTime()) / 1000 : null;
    },
    scheduler: () => refreshLoop.state(),
  });
  // Every request through Fastify (the fast path records its own): duration by route and answering layer.
  app.addHook('onResponse', async (request, reply) => {
    const timing = reply.getHeader('server-timing');
    const layer = typeof timing === 'string' ? (/desc="(\w+)"/.exec(timing)?.[1] ?? 'none') : 'none';
    metrics.httpDuration.observe(
      { route: request.routeOptions.url ?? 'unmatched', method: request.method, status_code: String(reply.statusCode), layer },
      reply.elapsedTime / 1000,
    );
  });

  app.decorate('config', config);
  app.decorate('db', db);
  app.decorate('cache', cache);
  app.decorate('metrics', metrics);
  app.decorate('sidebarRepository', sidebarRepository);
  app.decorate('sidebarService', sidebarService);
  app.decorate('refreshLoop', refreshLoop);
  app.decorate('refreshCoalescer', refreshCoalescer);

  installErrorHandlers(app);
  app.addSchema(errorSchema);

  await app.register(compress, { global: true, threshold: 1024, encodings: ['br', 'gzip', 'deflate'] });
  await app.register(rateLimit, { global: false });
  await app.register(swagger, {
    openapi: {
      info: { title: 'Sidebar service', version: '1', description: 'Sportsbook navigation sidebar: sports, leagues, open and live game counts.' },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'ADMIN_API_KEY, or a Supabase JWT with an admin role' } } },
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(authPlugin, { adminApiKey: config.adminApiKey, supabaseJwtSecret: config.supabaseJwtSecret });
  await app.register(healthRoutes);
  await app.register(metricsRoutes);
  await app.register(sidebarRoutes);
  await app.register(feedRoutes);

  app.addHook('onReady', async () => {
    // Not awaited: the start-up refresh must not hold back serving (the fallback covers it).
    refreshLoop.start().catch((err) => app.log.error({ err }, 'sidebar refresh scheduler failed to start'));
    retention.start();
  });
  // Stop the scheduler before connections close, so an in-flight refresh finishes against an open pool.
  app.addHook('preClose', async () => {
    closing = true;
    await Promise.all([refreshLoop.stop(), refreshCoalescer.stop(), retention.stop()]);
  });
  app.addHook('onClose', async () => {
    if (!options.cache) await cache.close();
    if (!options.db) await db.close();
  });

  return app;
}

/**
 * One JSON error shape for every failure. Client errors keep their message; anything else is
 * a 500 whose body carries only the request id, which the error log line carries too.
 */
function installErrorHandlers(app: FastifyInstance): void {
  const methodsByUrl = new Map<string, Set<string>>();
  app.addHook('onRoute', (route) => {
    const methods = methodsByUrl.get(route.url) ?? new Set<string>();
    for (const m of [route.method].flat()) methods.add(m);
    methodsByUrl.set(route.url, methods);
  });

  const body = (statusCode: number, message: string, requestId: string) => ({
    statusCode,
    error: STATUS_CODES[statusCode] ?? 'Error',
    message,
    requestId,
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.validation ? 400 : (error.statusCode ?? 500);
    if (status >= 500) {
      request.log.error({ err: error, request: { method: request.method, url: request.url } }, 'unhandled error');
      return reply.code(500).send(body(500, 'Internal Server Error', request.id));
    }
    return reply.code(status).send(body(status, error.message, request.id));
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? request.url;
    const allowed = methodsByUrl.get(path);
    if (allowed && !allowed.has(request.method)) {
      return reply
        .code(405)
        .header('allow', [...allowed].join(', '))
        .send(body(405, `Method ${request.method} not allowed on ${path}`, request.id));
    }
    return reply.code(404).send(body(404, `Route ${request.method} ${path} not found`, request.id));
  });
}
