import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { createInProcessCache } from '../../src/cache/in-process.js';
import { createRedisCache } from '../../src/cache/redis.js';
import type { Cache } from '../../src/cache/types.js';
import { migrate } from '../../src/db/migrate.js';
import { createPgliteDb } from '../../src/db/pglite.js';
import { createPostgresDb } from '../../src/db/postgres.js';
import type { Db } from '../../src/db/types.js';
import { silentLogger } from './logger.js';
import { createScratchDatabase } from './scratch-db.js';

/**
 * Where integration tests run: always on the embedded defaults (PGlite + in-process cache), and
 * also on real PostgreSQL and Redis when TEST_DATABASE_URL / TEST_REDIS_URL are set (CI sets
 * both). Each test file gets its own freshly created database, dropped afterwards, and its
 * own Redis key prefix, deleted afterwards.
 */
export interface Backend {
  name: string;
  dbKind: Db['kind'];
  cacheKind: Cache['backend'];
  /** A migrated, empty database of its own (never migrated, with `{ migrate: false }`). */
  createDb(options?: { migrate?: boolean }): Promise<TestDb>;
  /** A cache and the key prefix to use with it. */
  createCache(): Promise<TestCache>;
}

export interface TestDb {
  db: Db;
  /** The connection string of this database (real PostgreSQL only), for a second connection. */
  url?: string;
  drop(): Promise<void>;
}

export interface TestCache {
  cache: Cache;
  prefix: string;
  cleanup(): Promise<void>;
}

const testDatabaseUrl = process.env.TEST_DATABASE_URL;
const testRedisUrl = process.env.TEST_REDIS_URL;

const uniqueName = (kind: string) => `sidebar_test_${kind}_${process.pid}_${randomBytes(4).toString('hex')}`;

async function createPgliteTestDb({ migrate: migrated = true } = {}): Promise<TestDb> {
  const db = await createPgliteDb('memory://');
  if (migrated) await migrate(db);
  return { db, drop: () => db.close() };
}

/** Creates a database next to TEST_DATABASE_URL's, migrates it, and drops it (with force) afterwards. */
async function createPostgresTestDb(adminUrl: string, { migrate: migrated = true } = {}): Promise<TestDb> {
  const scratch = await createScratchDatabase(adminUrl, uniqueName('db'));
  const db = createPostgresDb({ connectionString: scratch.url, max: 5, onIdleError: () => {} });
  if (migrated) await migrate(db);
  return {
    db,
    url: scratch.url,
    async drop() {
      await db.close();
      await scratch.drop();
    },
  };
}

async function createMemoryTestCache(): Promise<TestCache> {
  const cache = createInProcessCache();
  return { cache, prefix: 'sidebar-test', cleanup: () => cache.close() };
}

async function createRedisTestCache(url: string): Promise<TestCache> {
  const prefix = uniqueName('cache');
  const cache = await createRedisCache({ url, timeoutMs: 1000, log: silentLogger() });
  if (!cache.isConnected()) throw new Error(`TEST_REDIS_URL is set but Redis at ${url} is not reachable`);
  return {
    cache,
    prefix,
    async cleanup() {
      await cache.close();
      const client = new Redis(url);
      try {
        const keys = await client.keys(`${prefix}:*`);
        if (keys.length) await client.del(...keys);
      } finally {
        client.disconnect();
      }
    },
  };
}

const embedded: Backend = {
  name: 'pglite + memory',
  dbKind: 'pglite',
  cacheKind: 'memory',
  createDb: createPgliteTestDb,
  createCache: createMemoryTestCache,
};

function realBackend(): Backend | null {
  if (!testDatabaseUrl && !testRedisUrl) return null;
  return {
    name: `${testDatabaseUrl ? 'postgres' : 'pglite'} + ${testRedisUrl ? 'redis' : 'memory'}`,
    dbKind: testDatabaseUrl ? 'postgres' : 'pglite',
    cacheKind: testRedisUrl ? 'redis' : 'memory',
    createDb: testDatabaseUrl ? (options) => createPostgresTestDb(testDatabaseUrl, options) : createPgliteTestDb,
    createCache: testRedisUrl ? () => createRedisTestCache(testRedisUrl) : createMemoryTestCache,
  };
}

export const backends: Backend[] = [embedded, realBackend()].filter((b): b is Backend => b !== null);
