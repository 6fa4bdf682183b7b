import { readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Postgrator from 'postgrator';
import type { Db, Queryable, Session } from './types.js';

const migrationsDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'migrations');
const schemaTable = 'public.schemaversion';
// Serialises migrations across instances starting at once; any constant unique to this job.
const migrationLockKey = 'sidebar-service:migrate';

async function postgratorFor(session: Session): Promise<Postgrator> {
  // postgrator looks its table up in information_schema filtered by this name.
  const { rows } = await session.query<{ name: string }>('select current_database() as name');
  // postgrator runs a migration's script, then inserts its schemaversion row as a separate
  // query. Opening a transaction before the script and committing after that row makes the
  // two atomic: a migration is applied and recorded together, or neither.
  let inMigration = false;
  return new Postgrator({
    migrationPattern: join(migrationsDir, '*.sql'),
    driver: 'pg',
    database: rows[0]?.name ?? 'postgres',
    schemaTable,
    async execSqlScript(sql) {
      await session.exec('begin');
      inMigration = true;
      try {
        await session.exec(sql);
      } catch (error) {
        inMigration = false;
        await session.exec('rollback');
        throw error;
      }
    },
    async execQuery(sql) {
      if (!inMigration) return session.query(sql);
      inMigration = false;
      try {
        const result = await session.query(sql); // the schemaversion row
        await session.exec('commit');
        return result;
      } catch (error) {
        await session.exec('rollback');
        throw error;
      }
    },
  });
}

export interface MigrationResult {
  applied: string[];
  version: number;
}

/** Applies pending migrations; a no-op when the database is current. Safe to run concurrently. */
export async function migrate(db: Db): Promise<MigrationResult> {
  return db.withSession(async (session) => {
    await session.query('select pg_advisory_lock(hashtext($1))', [migrationLockKey]);
    try {
      const postgrator = await postgratorFor(session);
      const applied = await postgrator.migrate();
      const version = Number(await postgrator.getDatabaseVersion());
      return { applied: applied.map((m) => `${m.version}.${m.name}`), version };
    } finally {
      await session.query('select pg_advisory_unlock(hashtext($1))', [migrationLockKey]);
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
