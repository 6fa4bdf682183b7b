export interface QueryOptions {
  /** This statement's deadline, in place of the database's default (a refresh needs longer than a read). */
  timeoutMs?: number;
}

/** What repositories need from a database: parameterised queries, each with a deadline. */
export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: unknown[], options?: QueryOptions): Promise<{ rows: R[] }>;
}

/** One connection, held for a sequence of statements (migrations, explicit transactions). */
export interface Session extends Queryable {
  /** Runs a script of several statements (no parameters). */
  exec(sql: string): Promise<void>;
}

/** What a listening session reports: each notification's channel, and the session's loss. */
export interface NotificationHandlers {
  onNotify(channel: string): void;
  /** The session broke (PostgreSQL): no notification arrives until a new one listens. */
  onLost(err: Error): void;
}

/** A session LISTENing on some channels, until closed. */
export interface Subscription {
  close(): Promise<void>;
}

/**
 * The database the service runs on: real PostgreSQL through a `pg` pool, or embedded PGlite.
 * Both speak the same SQL, so everything above this interface is written once.
 */
export interface Db extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /** Where it points, safe to log (no password). */
  readonly description: string;
  /** Runs fn on one dedicated connection. */
  withSession<T>(fn: (session: Session) => Promise<T>): Promise<T>;
  /**
   * Opens a session of its own that LISTENs on the channels (PostgreSQL: a connection outside
   * the pool, to the listen URL; PGlite: its one connection). Payloads are not passed on: anyone
   * who may connect may NOTIFY, so a notification only says "look now".
   */
  listen(channels: readonly string[], handlers: NotificationHandlers): Promise<Subscription>;
  /** The pool's connections now (PostgreSQL; PGlite is one connection and has none). */
  poolStats?(): { total: number; idle: number; waiting: number };
  close(): Promise<void>;
}
