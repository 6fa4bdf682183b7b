import type { FastifyBaseLogger } from 'fastify';
import { isUnreachable } from './errors.js';
import type { Db, Queryable } from './types.js';

/** SQLSTATE serialization_failure: on a standby, a read cancelled because it conflicted with WAL replay. */
const recoveryConflict = '40001';

export interface ReadRouteOptions {
  replica: Db;
  primary: Queryable;
  log: FastifyBaseLogger;
  /** After the replica could not be reached, reads go to the primary for this long before it is tried again. */
  retryAfterMs?: number;
  now?: () => number;
}

/**
 * Where the sidebar's reads go when DATABASE_READ_URL names a read replica: to the replica,
 * and to the primary while the replica cannot be reached (tried again every retryAfterMs, so an
 * outage costs one failed attempt per period, not one per read) or when it cancels a read that
 * conflicted with replication (a single retry on the primary). A failing replica degrades to
 * the primary's load, never to errors.
 */
export function createReadRoute(options: ReadRouteOptions): Queryable & { description: string; onReplica(): boolean } {
  const { replica, primary, log } = options;
  const now = options.now ?? (() => Date.now());
  const retryAfterMs = options.retryAfterMs ?? 5000;
  let downUntil = 0;
  let down = false;

  return {
    description: `${replica.description} (read replica)`,
    onReplica: () => !down,
    async query(sql, params, queryOptions) {
      if (down && now() < downUntil) return primary.query(sql, params, queryOptions);
      try {
        const result = await replica.query(sql, params, queryOptions);
        if (down) log.info({ database: replica.description }, 'read replica reachable again; sidebar reads go to it');
        down = false;
        return result as never;
      } catch (error) {
        if (isUnreachable(error)) {
          if (!down) log.warn({ database: replica.description, err: (error as Error).message }, 'read replica unreachable; sidebar reads go to the primary');
          down = true;
          downUntil = now() + retryAfterMs;
        } else if ((error as { code?: string }).code !== recoveryConflict) {
          throw error;
        }
        return primary.query(sql, params, queryOptions);
      }
    },
  };
}
