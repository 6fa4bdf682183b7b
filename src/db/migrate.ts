import { readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Postgrator from 'postgrator';
import { applyDefinitions } from './definitions.js';
import type { Db, Queryable, Session } from './types.js';

const migrationsDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'migrations');
const schemaTable = 'public.schemaversion';
// Serialises migrations across instances starting at once; any constant unique to this job.
const migrationLockKey = 'sidebar-service:migrate';

/** Postgrator on one session, inside the transaction migrate() opened: it opens none of its own. */
async function postgratorFor(session: Session): Promise<Postgrator> {
  // postgrator looks its table up in information_schema filtered by this name.
  const { rows } = await session.query<{ name: string }>('select current_database() as name');
  return new Postgrator({
    migrationPattern: join(migrationsDir, '*.sql'),
    driver: 'pg',
    database: rows[0]?.name ?? 'postgres',
    schemaTable,
    execSqlScript: (sql) => session.exec(sql),
    execQuery: (sql) => session.query(sql),
  });
}

export interface MigrationResult {
  /** The numbered migrations applied. */
  applied: string[];
  version: number;
  /** The definitions (views, functions, triggers) created again; none when they were current. */
  definitions: string[];
}

/**
 * Applies pending migrations, then the definitions (views, functions, triggers) if they changed
 * or a migration was applied (definitions.ts); a no-op when the database is current. A target
 * (benchmarks and upgrade tests reproducing an earlier schema) applies the numbered migrations up
 * to it and leaves the definitions as those migrations made them. Safe to run concurrently.
 * Everything runs in one transaction under a transaction-scoped advisory lock: instances
 * starting at once wait for each other, then find the migrations applied; the pending
 * migrations and their schemaversion rows are applied together or not at all; and it works
 * through transaction poolers (PgBouncer, Supabase's Supavisor), which keep a client on one
 * server connection only for the length of a transaction (a session-level lock would stay
 * taken on whichever connection ran it, and its unlock could run on another).
 */
export async function migrate(db: Db, options: { target?: number } = {}): Promise<MigrationResult> {
  return db.withSession(async (session) => {
    await session.exec('begin');
    try {
      await session.query('select pg_advisory_xact_lock(hashtext($1))', [migrationLockKey]);
      const postgrator = await postgratorFor(session);
      const applied = await postgrator.migrate(options.target === undefined ? undefined : String(options.target));
      const version = Number(await postgrator.getDatabaseVersion());
      const definitions = options.target === undefined ? await applyDefinitions(session, { force: applied.length > 0 }) : [];
      await session.exec('commit');
      return { applied: applied.map((m) => `${m.version}.${m.name}`), version, definitions };
    } catch (error) {
      await session.exec('rollback').catch(() => {}); // a connection that broke rolled back by itself
      throw error;
    }
  });
}

export interface MigrationStatus {
  current: number;
  latest: number;
}

/** The newest migration file's version. The files ship with the code, so they are read once. */
let latestVersion: Promise<number> | null = null;
export function latestMigrationVersion(): Promise<number> {
  latestVersion ??= readdir(migrationsDir).then((files) =>
    Math.max(
      0,
      ...files
        .map((f) => /^(\d+)\.do\./.exec(f)?.[1])
        .filter((v): v is string => v !== undefined)
        .map(Number),
    ),
  );
  return latestVersion;
}

const selectCurrentVersion = `select coalesce(max(version), 0)::integer as version from ${schemaTable}`;
/** SQLSTATE undefined_table: the database was never migrated. */
const undefinedTable = '42P01';

/** Database version against the newest migration file; for /ready, on every probe (one cheap statement). */
export async function migrationStatus(db: Queryable): Promise<MigrationStatus> {
  const latest = await latestMigrationVersion();
  try {
    const { rows } = await db.query<{ version: number }>(selectCurrentVersion);
    return { current: rows[0]?.version ?? 0, latest };
  } catch (error) {
    if ((error as { code?: string }).code === undefinedTable) return { current: 0, latest };
    throw error;
  }
}
