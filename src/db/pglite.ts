import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { Db, Session } from './types.js';

/**
 * Embedded PostgreSQL (PGlite, PostgreSQL compiled to WebAssembly): the default when no
 * DATABASE_URL is set, so the service and its tests run with nothing but Node installed.
 * It is one connection; PGlite queues concurrent queries, and its transaction() holds the
 * connection for the transaction's statements.
 *
 * @param dataDir a folder to persist into, or 'memory://' for a throw-away database.
 */
export async function createPgliteDb(dataDir: string): Promise<Db> {
  const inMemory = dataDir.startsWith('memory://');
  const location = inMemory ? dataDir : resolve(dataDir);
  if (!inMemory) mkdirSync(location, { recursive: true });
  const pglite = await PGlite.create(location);

  const session: Session = {
    query: (sql, params) => pglite.query(sql, params) as never,
    exec: async (sql) => {
      await pglite.exec(sql);
    },
  };

  return {
    kind: 'pglite',
    description: inMemory ? 'embedded PGlite (in memory)' : `embedded PGlite at ${location}`,
    query: session.query,
    withSession: (fn) => fn(session),
    close: () => pglite.close(),
  };
}
