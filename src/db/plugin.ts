import fp from 'fastify-plugin';
import type { Config } from '../config/index.js';
import { createDb, type Db } from './index.js';

declare module 'fastify' {
  interface FastifyInstance {
    db: Db;
  }
}

export interface DbPluginOptions {
  config: Pick<Config, 'databaseUrl' | 'databasePoolMax' | 'databaseQueryTimeoutMs' | 'pgliteDataDir'>;
  /** A database the caller opened (and closes); otherwise one is opened from config and closed with the app. */
  db?: Db;
}

/** Decorates `db`: PostgreSQL through a `pg` pool when DATABASE_URL is set, embedded PGlite otherwise. */
export const dbPlugin = fp<DbPluginOptions>(
  async (app, options) => {
    const db = options.db ?? (await createDb(options.config, app.log));
    app.decorate('db', db);
    if (!options.db) app.addHook('onClose', () => db.close());
  },
  { name: 'db', fastify: '5.x' },
);
