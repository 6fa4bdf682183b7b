import fp from 'fastify-plugin';
import type { Config } from '../config/index.js';
import { createDb, type Db, type Queryable } from './index.js';
import { createPostgresDb } from './postgres.js';
import { createReadRoute } from './replica.js';
import { type SchemaState, schemaReady } from './startup.js';
import { createWakeups, type Wakeups } from './wakeups.js';

declare module 'fastify' {
  interface FastifyInstance {
    db: Db;
    /** Where the sidebar's reads go: the read replica (DATABASE_READ_URL, the primary while it fails), else `db`. */
    dbRead: Queryable & { description: string };
    /** Whether the database is connected and migrated yet; jobs start, and reads go to it, once it is. */
    dbStartup: SchemaState;
    /** The database's notifications, heard by one session of this process (started only where `listen` is set). */
    dbWakeups: Wakeups;
  }
}

export interface DbPluginOptions {
  config: Pick<Config, 'databaseUrl' | 'databaseReadUrl' | 'databaseListenUrl' | 'databasePoolMax' | 'databaseQueryTimeoutMs' | 'pgliteDataDir'>;
  /** A database the caller opened (and closes); otherwise one is opened from config and closed with the app. */
  db?: Db;
  /** Listen for the database's notifications once it is ready (a serving process with SIDEBAR_WAKEUPS). */
  listen?: boolean;
  /** The start-up preparation of that database, when it runs in the background (a serving process); default: ready. */
  startup?: SchemaState;
}

/**
 * Decorates `db`: PostgreSQL through a `pg` pool when DATABASE_URL is set, embedded PGlite
 * otherwise; `dbRead`, the same database, or the read replica DATABASE_READ_URL names; and
 * `dbWakeups`, the database's notifications.
 */
export const dbPlugin = fp<DbPluginOptions>(
  async (app, options) => {
    const db = options.db ?? (await createDb(options.config, app.log));
    const startup = options.startup ?? schemaReady();
    app.decorate('db', db);
    app.decorate('dbStartup', startup);
    // Stop retrying before anything closes the pool.
    app.addHook('preClose', () => startup.stop());
    if (!options.db) app.addHook('onClose', () => db.close());

    const wakeups = createWakeups({ db, log: app.log });
    app.decorate('dbWakeups', wakeups);
    if (options.listen) app.addHook('onReady', async () => startup.onReady(() => wakeups.start()));
    // Before the pool closes: the probe sends through it.
    app.addHook('preClose', () => wakeups.stop());

    const { config } = options;
    if (config.databaseReadUrl) {
      const replica = createPostgresDb({
        connectionString: config.databaseReadUrl,
        max: config.databasePoolMax,
        queryTimeoutMs: config.databaseQueryTimeoutMs,
        onIdleError: (err) => app.log.warn({ err: { message: err.message } }, 'idle read-replica connection failed; the pool will reconnect'),
      });
      app.decorate('dbRead', createReadRoute({ replica, primary: db, log: app.log }));
      app.addHook('onClose', () => replica.close());
    } else {
      app.decorate('dbRead', db);
    }
  },
  { name: 'db', fastify: '5.x' },
);
