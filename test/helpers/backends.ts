import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { link, readdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { createInProcessCache } from '../../src/cache/in-process.js';
import { createRedisCache } from '../../src/cache/redis.js';
import type { Cache } from '../../src/cache/types.js';
import { migrate } from '../../src/db/migrate.js';
import { createPgliteDb } from '../../src/db/pglite.js';
import { createPostgresDb } from '../../src/db/postgres.js';
import type { Db } from '../../src/db/types.js';
import { loadFixtures } from '../fixtures/events.js';
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
  const db = migrated ? await createPgliteDb('memory://', { loadDataDir: await migratedTemplate() }) : await createPgliteDb('memory://');
  return { db, drop: () => db.close() };
}

/**
 * A migrated PGlite data directory, dumped once per set of migrations (and PGlite version)
 * into node_modules/.cache and loaded by every test that needs a migrated database: about
 * 0.5 s instead of 1.5-3 s for initdb plus the migrations, which matters most to mutation
 * testing, where a test file's databases are created again for every mutant.
 */
async function migratedTemplate(): Promise<Blob> {
  const file = join(templateDir, `pglite-migrated-${await templateKey()}.tar`);
  if (!existsSync(file)) {
    const db = await createPgliteDb('memory://');
    try {
      await migrate(db);
      const dump = Buffer.from(await (await db.dump()).arrayBuffer());
      mkdirSync(templateDir, { recursive: true });
      // Written aside, then linked into place only if no other test file got there first: a
      // template, once there, is never replaced under a reader.
      const partial = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
      await writeFile(partial, dump);
      await link(partial, file).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw err;
      });
      await unlink(partial);
    } finally {
      await db.close();
    }
  }
  return new Blob([await readFile(file)]);
}

const templateDir = fileURLToPath(new URL('../../node_modules/.cache/sidebar-tests/', import.meta.url));
const migrationsDir = fileURLToPath(new URL('../../migrations/', import.meta.url));

/** The newest migration's number (NNN.do.*.sql), what a migrated database reports as current. */
export const latestMigration = Math.max(...readdirSync(migrationsDir).map((name) => Number(/^(\d+)\.do\./.exec(name)?.[1] ?? 0)));

/** Changes with any migration or definition, with the code that applies them, and with the PGlite version. */
async function templateKey(): Promise<string> {
  const hash = createHash('sha256');
  const pglite = JSON.parse(await readFile(new URL('../../node_modules/@electric-sql/pglite/package.json', import.meta.url), 'utf8')) as { version: string };
  hash.update(pglite.version);
  const files = (await readdir(migrationsDir, { recursive: true })).filter((name) => name.endsWith('.sql') || name.endsWith('.txt'));
  for (const name of files.sort()) hash.update(name).update(await readFile(join(migrationsDir, name)));
  for (const code of ['migrate.ts', 'definitions.ts']) hash.update(await readFile(new URL(`../../src/db/${code}`, import.meta.url)));
  return hash.digest('hex').slice(0, 16);
}

/**
 * The server behind TEST_DATABASE_URL when that is a transaction pooler (npm run test:pgbouncer):
 * where each test database LISTENs, as DATABASE_LISTEN_URL has the service do in production.
 */
export const testDatabaseSessionUrl = process.env.TEST_DATABASE_SESSION_URL;

/** url's database on the server of TEST_DATABASE_SESSION_URL. */
function sessionUrlOf(url: string): string | undefined {
  if (!testDatabaseSessionUrl) return undefined;
  const session = new URL(url);
  session.host = new URL(testDatabaseSessionUrl).host;
  return session.toString();
}

/** Creates a database next to TEST_DATABASE_URL's, migrates it, and drops it (with force) afterwards. */
async function createPostgresTestDb(adminUrl: string, { migrate: migrated = true } = {}): Promise<TestDb> {
  const scratch = await createScratchDatabase(adminUrl, uniqueName('db'));
  const db = createPostgresDb({ connectionString: scratch.url, listenUrl: sessionUrlOf(scratch.url), max: 5, onIdleError: () => {} });
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
  name: 'pglite + in-process',
  dbKind: 'pglite',
  cacheKind: 'in-process',
  createDb: createPgliteTestDb,
  createCache: createMemoryTestCache,
};

function realBackend(): Backend | null {
  if (!testDatabaseUrl && !testRedisUrl) return null;
  return {
    name: `${testDatabaseUrl ? 'postgres' : 'pglite'} + ${testRedisUrl ? 'redis' : 'in-process'}`,
    dbKind: testDatabaseUrl ? 'postgres' : 'pglite',
    cacheKind: testRedisUrl ? 'redis' : 'in-process',
    createDb: testDatabaseUrl ? (options) => createPostgresTestDb(testDatabaseUrl, options) : createPgliteTestDb,
    createCache: testRedisUrl ? () => createRedisTestCache(testRedisUrl) : createMemoryTestCache,
  };
}

export const backends: Backend[] = [embedded, realBackend()].filter((b): b is Backend => b !== null);

/** A database holding the fixture events, refreshed once, and a cache of its own. */
export interface FixtureBackend {
  db: TestDb;
  cache: TestCache;
}

/**
 * Registers the hooks of a describe block whose tests share one database with the fixture
 * events (refreshed once, so the view is populated) and one cache: created before its tests,
 * dropped and cleaned after. The fields are set once the block's beforeAll has run.
 */
export function useFixtureBackend(backend: Backend): FixtureBackend {
  const fixture = {} as FixtureBackend;
  beforeAll(async () => {
    fixture.db = await backend.createDb();
    fixture.cache = await backend.createCache();
    await loadFixtures(fixture.db.db);
    await fixture.db.db.query(`select refresh_sidebar_data('startup')`);
  });
  afterAll(async () => {
    await fixture.cache?.cleanup();
    await fixture.db?.drop();
  });
  return fixture;
}
