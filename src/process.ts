import type { FastifyBaseLogger } from 'fastify';
import type { Config } from './config/index.js';
import { createDb, type Db } from './db/index.js';
import { migrate } from './db/migrate.js';
import { seedDemoDataIfEmpty } from './events/demo.js';

/**
 * What a process does before it builds the app: open the database, bring its schema up to
 * date and, for the embedded database only, load demo events when it is empty. The server
 * and the CLI both start here; the app factory never migrates or seeds, so tests need no
 * flags to keep it from doing so.
 */
export async function openDatabase(
  config: Pick<Config, 'databaseUrl' | 'databasePoolMax' | 'databaseQueryTimeoutMs' | 'pgliteDataDir' | 'migrateOnStart' | 'seedDemoData'>,
  log: FastifyBaseLogger,
  options: { migrate?: boolean; seedDemo?: boolean } = {},
): Promise<Db> {
  const db = await createDb(config, log);
  try {
    if (options.migrate ?? config.migrateOnStart) {
      const { applied, version } = await migrate(db);
      log.info({ applied, version }, applied.length ? 'migrations applied' : 'database schema is current');
    }
    // Demo data only ever goes into the embedded database: a configured DATABASE_URL is someone's real data.
    if (db.kind === 'pglite' && (options.seedDemo ?? config.seedDemoData)) {
      const seeded = await seedDemoDataIfEmpty(db);
      if (seeded) log.info({ events: seeded }, 'empty embedded database: loaded demo events');
    }
    return db;
  } catch (error) {
    await db.close().catch(() => {});
    throw error;
  }
}
