import fp from 'fastify-plugin';
import type { Config } from '../config/index.js';
import { createDb, type Db } from './index.js';
import { type SchemaState, schemaReady } from './startup.js';

declare module 'fastify' {
  interface FastifyInstance {
    db: Db;
    /** Whether the database is connected and migrated yet; jobs start, and reads go to it, once it is. */
    dbStartup: SchemaState;
  }
}

export interface DbPluginOptions {
  config: Pick<Config, 'databaseUrl' | 'databasePoolMax' | 'databaseQueryTimeoutMs' | 'pgliteDataDir'>;
  /** A database the caller opened (and closes); otherwise one is opened from config and closed with the app. */
  db?: Db;
  /** The start-up preparation of that database, when it runs in the background (a serving process); default: ready. */
  startup?: SchemaState;
}

/** Decorates `db`: PostgreSQL through a `pg` pool when DATABASE_URL is set, embedded PGlite otherwise. */
export const dbPlugin = fp<DbPluginOptions>(
  async (app, options) => {
    const db = options.db ?? (await createDb(options.config, app.log));
    const startup = options.startup ?? schemaReady();
    app.decorate('db', db);
    app.decorate('dbStartup', startup);
    // Stop retrying before anything closes the pool.
    app.addHook('preClose', () => startup.stop());
    if (!options.db) app.addHook('onClose', () => db.close());
  },
  { name: 'db', fastify: '5.x' },
);
