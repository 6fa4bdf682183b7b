import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import type { Cache } from '../../src/cache/types.js';
import { type Config, loadConfig } from '../../src/config/index.js';
import type { Db } from '../../src/db/types.js';
import { createSidebarRepository } from '../../src/sidebar/repository.js';
import { createSidebarService } from '../../src/sidebar/service.js';
import { createVersionWatcher } from '../../src/sidebar/version-watcher.js';

export const adminApiKey = 'test-admin-key-0123456789';
export const jwtSecret = 'test-jwt-secret-0123456789-0123456789-abcdef';

/** Defaults for tests: admin auth on, no scheduler (tests drive refreshes), no demo data. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    ...loadConfig({}),
    logLevel: 'silent',
    adminApiKey,
    supabaseJwtSecret: jwtSecret,
    schedulerEnabled: false,
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

/** The sidebar service alone (repository, version watcher that is never started, service), for tests of its logs and counters. */
export function buildTestSidebarService(deps: { db: Db; cache: Cache; log: FastifyBaseLogger }, overrides: Partial<Config> = {}) {
  const config = testConfig(overrides);
  const repository = createSidebarRepository(deps.db);
  const versions = createVersionWatcher({ read: () => repository.readVersion(), intervalMs: 0, log: deps.log });
  const service = createSidebarService({ repository, cache: deps.cache, versions, log: deps.log, config });
  return { repository, versions, service };
}
