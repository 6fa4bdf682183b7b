import type { AddressInfo } from 'node:net';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { onTestFinished } from 'vitest';
import { buildApp } from '../../src/app.js';
import type { Cache } from '../../src/cache/types.js';
import { type Config, loadConfig } from '../../src/config/index.js';
import type { Db } from '../../src/db/types.js';

export const adminApiKey = 'test-admin-key-0123456789';
export const jwtSecret = 'test-jwt-secret-0123456789-0123456789-abcdef';

/** Defaults for tests: admin auth on, no scheduler and no change polling (tests drive refreshes), no demo data. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    ...loadConfig({}),
    logLevel: 'silent',
    adminApiKey,
    supabaseJwtSecret: jwtSecret,
    schedulerEnabled: false,
    changePollMs: 0,
    ...overrides,
  };
}

/** An app on the given database and cache (which the caller keeps and closes). */
export async function buildTestApp(deps: { db: Db; cache: Cache; prefix: string }, overrides: Partial<Config> = {}): Promise<FastifyInstance> {
  const app = await buildApp({
    config: testConfig({ cacheKeyPrefix: deps.prefix, ...overrides }),
    db: deps.db,
    cache: deps.cache,
    logger: false,
  });
  await app.ready();
  return app;
}

export const asAdmin = { authorization: `Bearer ${adminApiKey}` };

/** Has the app listen on a free loopback port (real HTTP, for fetch, streams and browsers); its base URL. */
export async function listening(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

/**
 * The sidebar's parts of an app built as the CLI builds it (no jobs, no polling, no hot path),
 * on the given database, cache and logger, for tests of the service's logs and counters.
 * The app closes when the test finishes.
 */
export async function buildTestSidebarService(deps: { db: Db; cache: Cache; log: FastifyBaseLogger }, overrides: Partial<Config> = {}) {
  const app = await buildApp({ config: testConfig(overrides), db: deps.db, cache: deps.cache, logger: deps.log, role: 'cli' });
  onTestFinished(() => app.close());
  await app.ready();
  return { repository: app.sidebarRepository, versions: app.sidebarVersions, service: app.sidebarService };
}
