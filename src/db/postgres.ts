import pg from 'pg';
import type { Db, Session } from './types.js';

export interface PostgresOptions {
  connectionString: string;
  max: number;
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
    // Only parameters that connection poolers (PgBouncer, Supabase's Supavisor) pass through:
    // they reject others, such as statement_timeout, at connect.
    application_name: 'sidebar-service',
  });
  // An idle client losing its connection emits 'error' on the pool; unhandled, that kills the process.
  pool.on('error', options.onIdleError);

  const asSession = (client: pg.PoolClient): Session => ({
    query: (sql, params) => client.query(sql, params) as never,
    exec: async (sql) => {
      await client.query(sql);
    },
  });

  return {
    kind: 'postgres',
    description: `PostgreSQL ${redactUrl(options.connectionString)}`,
    query: (sql, params) => pool.query(sql, params) as never,
    async withSession(fn) {
      const client = await pool.connect();
      try {
        return await fn(asSession(client));
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
