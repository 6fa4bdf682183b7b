import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Postgrator from 'postgrator';
import type { Db, Session } from './types.js';

const migrationsDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'migrations');
const schemaTable = 'public.schemaversion';
// Serialises migrations across instances starting at once; any constant unique to this job.
const migrationLockKey = 'sidebar-service:migrate';

async function postgratorFor(session: Session): Promise<Postgrator> {
  // postgrator looks its table up in information_schema filtered by this name.
  const { rows } = await session.query<{ name: string }>('select current_database() as name');
  return new Postgrator({
    migrationPattern: join(migrationsDir, '*.sql'),
    driver: 'pg',
    database: rows[0]?.name ?? 'postgres',
    schemaTable,
    execQuery: (sql) => session.query(sql),
    // A migration file runs as one multi-statement script, which PostgreSQL treats as one
    // implicit transaction: it applies whole or not at all.
    execSqlScript: (sql) => session.exec(sql),
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

/** Database version against the newest migration file; for /ready. */
export async function migrationStatus(db: Db): Promise<MigrationStatus> {
  return db.withSession(async (session) => {
    const postgrator = await postgratorFor(session);
    const latest = Number(await postgrator.getMaxVersion());
    const exists = await session.query<{ t: string | null }>('select to_regclass($1)::text as t', [schemaTable]);
    const current = exists.rows[0]?.t ? Number(await postgrator.getDatabaseVersion()) : 0;
    return { current, latest };
  });
}
