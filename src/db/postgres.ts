import pg from 'pg';
import { withConnectionCode } from './errors.js';
import type { Db, QueryOptions, Session } from './types.js';

/** Sessions run migrations and hold locks: a long deadline, but a deadline. */
const sessionTimeoutMs = 10 * 60_000;

const statement = (text: string, values: unknown[] | undefined, options?: QueryOptions) =>
  options?.timeoutMs ? { text, values, query_timeout: options.timeoutMs } : { text, values };

export interface PostgresOptions {
  connectionString: string;
  max: number;
  /**
   * Deadline of every statement, enforced by the client (poolers refuse statement_timeout at
   * connect): a connection that goes silent (a failover) fails its query instead of hanging,
   * and the pool discards it. Default 5 s.
   */
  queryTimeoutMs?: number;
  /** Where listen() connects: a session connection (direct, or a session-mode pooler). Default: connectionString. */
  listenUrl?: string;
  /** Called for errors on idle clients, which would otherwise crash the process. */
  onIdleError: (err: Error) => void;
}

/** "postgres://user@host:5432/db" with the password removed, for logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable url)';
  }
}

export function createPostgresDb(options: PostgresOptions): Db {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max,
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30000,
    query_timeout: options.queryTimeoutMs ?? 5000,
    // A peer that vanishes without closing its connections (a failover) is noticed by TCP too.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    // Only parameters that connection poolers (PgBouncer, Supabase's Supavisor) pass through:
    // they reject others, such as statement_timeout, at connect.
    application_name: 'sidebar-service',
  });
  // An idle client losing its connection emits 'error' on the pool; unhandled, that kills the process.
  pool.on('error', options.onIdleError);

  const asSession = (client: pg.PoolClient): Session => ({
    query: (sql, params, options) =>
      client.query(statement(sql, params, { timeoutMs: options?.timeoutMs ?? sessionTimeoutMs })).catch(withConnectionCode) as never,
    exec: async (sql) => {
      await client.query(statement(sql, undefined, { timeoutMs: sessionTimeoutMs })).catch(withConnectionCode);
    },
  });

  return {
    kind: 'postgres',
    description: `PostgreSQL ${redactUrl(options.connectionString)}`,
    query: (sql, params, options) => pool.query(statement(sql, params, options)).catch(withConnectionCode) as never,
    async withSession(fn) {
      const client = await pool.connect().catch(withConnectionCode);
      try {
        return await fn(asSession(client));
      } finally {
        client.release();
      }
    },
    async listen(channels, handlers) {
      const client = new pg.Client({
        connectionString: options.listenUrl ?? options.connectionString,
        connectionTimeoutMillis: 5000,
        query_timeout: options.queryTimeoutMs ?? 5000,
        keepAlive: true,
        keepAliveInitialDelayMillis: 10_000,
        application_name: 'sidebar-service-listen',
      });
      let closing = false;
      // end() waits for the server to close its side, which a silent connection never does.
      const end = async () => {
        const ended = client.end().catch(() => {});
        const deadline = new Promise<void>((resolve) => setTimeout(resolve, 1000).unref());
        await Promise.race([ended, deadline]);
        (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
      };
      const lost = (err: Error) => {
        if (closing) return;
        closing = true;
        handlers.onLost(err);
        void end();
      };
      client.on('error', lost);
      client.on('end', () => lost(new Error('the listening connection ended')));
      client.on('notification', (message) => handlers.onNotify(message.channel));
      try {
        await client.connect();
        for (const channel of channels) await client.query(`listen ${pg.escapeIdentifier(channel)}`);
      } catch (err) {
        closing = true;
        await end();
        throw withConnectionCode(err);
      }
      return {
        close: async () => {
          closing = true;
          await end();
        },
      };
    },
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    close: () => pool.end(),
  };
}
