import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config/index.js';
import { createPgliteDb } from './pglite.js';
import { createPostgresDb } from './postgres.js';
import type { Db } from './types.js';

export type { Db, Queryable, Session } from './types.js';

/** DATABASE_URL set: real PostgreSQL; unset: embedded PGlite. */
export function createDb(
  config: Pick<Config, 'databaseUrl' | 'databaseListenUrl' | 'databasePoolMax' | 'databaseQueryTimeoutMs' | 'pgliteDataDir'>,
  log: FastifyBaseLogger,
): Promise<Db> {
  if (config.databaseUrl) {
    return Promise.resolve(
      createPostgresDb({
        connectionString: config.databaseUrl,
        listenUrl: config.databaseListenUrl,
        max: config.databasePoolMax,
        queryTimeoutMs: config.databaseQueryTimeoutMs,
        // The message and code only: pg attaches the whole client (its config, buffers) to the error.
        onIdleError: (err) =>
          log.error({ err: { message: err.message, code: (err as { code?: string }).code } }, 'idle PostgreSQL connection failed; the pool will reconnect'),
      }),
    );
  }
  return createPgliteDb(config.pgliteDataDir);
}
