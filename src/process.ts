import type { FastifyBaseLogger } from 'fastify';
import type { Config } from './config/index.js';
import { createDb, type Db } from './db/index.js';
import { migrate } from './db/migrate.js';
import { prepareSchemaInBackground, type SchemaState } from './db/startup.js';
import { seedDemoDataIfEmpty } from './events/demo.js';

type DatabaseConfig = Pick<
  Config,
  'databaseUrl' | 'databaseMigrationUrl' | 'databasePoolMax' | 'databaseQueryTimeoutMs' | 'pgliteDataDir' | 'migrateOnStart' | 'seedDemoData'
>;
interface PrepareOptions {
  migrate?: boolean;
  seedDemo?: boolean;
}

/**
 * What a process does to a database before the service reads it: bring its schema up to date
 * and, for the embedded database only, load demo events when it is empty. The app factory
 * never migrates or seeds, so tests need no flags to keep it from doing so.
 */
async function prepareDatabase(db: Db, config: DatabaseConfig, log: FastifyBaseLogger, options: PrepareOptions): Promise<void> {
  if (options.migrate ?? config.migrateOnStart) {
    const { applied, version } = await migrateOver(db, config, log);
    log.info({ applied, version }, applied.length ? 'migrations applied' : 'database schema is current');
  }
  // Demo data only ever goes into the embedded database: a configured DATABASE_URL is someone's real data.
  if (db.kind === 'pglite' && (options.seedDemo ?? config.seedDemoData)) {
    const seeded = await seedDemoDataIfEmpty(db);
    if (seeded) log.info({ events: seeded }, 'empty embedded database: loaded demo events');
  }
}

/**
 * Migrates over DATABASE_MIGRATION_URL when it is set (the schema's owner, on a session or
 * direct connection, while DATABASE_URL is a runtime role that may not change the schema), on
 * a connection of its own closed afterwards; otherwise over the service's own database.
 */
async function migrateOver(db: Db, config: DatabaseConfig, log: FastifyBaseLogger) {
  if (!config.databaseMigrationUrl) return migrate(db);
  const owner = await createDb({ ...config, databaseUrl: config.databaseMigrationUrl, databasePoolMax: 1 }, log);
  try {
    return await migrate(owner);
  } finally {
    await owner.close();
  }
}

/** For a command (the CLI): opens and prepares the database, or fails. */
export async function openDatabase(config: DatabaseConfig, log: FastifyBaseLogger, options: PrepareOptions = {}): Promise<Db> {
  const db = await createDb(config, log);
  try {
    await prepareDatabase(db, config, log, options);
    return db;
  } catch (error) {
    await db.close().catch(() => {});
    throw error;
  }
}

/**
 * For the server: opens the database and prepares it in the background, retrying with
 * backoff while PostgreSQL cannot be reached, so that a cold start during an outage still
 * listens, answers /health, and serves what Redis holds (or a 503 with Retry-After), then
 * serves normally once the database is back, without a restart. The embedded database
 * cannot be down: it is prepared before this returns, so the first request sees the demo data.
 */
export async function startDatabase(config: DatabaseConfig, log: FastifyBaseLogger): Promise<{ db: Db; startup: SchemaState }> {
  const db = await createDb(config, log);
  const startup = prepareSchemaInBackground({ prepare: () => prepareDatabase(db, config, log, {}), log });
  if (db.kind === 'pglite') {
    try {
      await startup.whenReady;
    } catch (error) {
      await db.close().catch(() => {});
      throw error;
    }
  }
  return { db, startup };
}
