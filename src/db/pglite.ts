import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { Db, Session } from './types.js';

export interface PgliteDb extends Db {
  /** The data directory as an uncompressed tarball, for createPgliteDb(…, { loadDataDir }). */
  dump(): Promise<Blob>;
}

/**
 * Embedded PostgreSQL (PGlite, PostgreSQL compiled to WebAssembly): the default when no
 * DATABASE_URL is set, so the service and its tests run with nothing but Node installed.
 * It is one connection; PGlite queues concurrent queries, and its transaction() holds the
 * connection for the transaction's statements.
 *
 * @param dataDir a folder to persist into, or 'memory://' for a throw-away database.
 * @param options.loadDataDir a tarball from dumpDataDir() to start from (the tests' migrated
 *   template: loading one takes a fraction of the time of initdb plus the migrations).
 */
export async function createPgliteDb(dataDir: string, options: { loadDataDir?: Blob } = {}): Promise<PgliteDb> {
  const inMemory = dataDir.startsWith('memory://');
  const location = inMemory ? dataDir : resolve(dataDir);
  if (!inMemory) mkdirSync(location, { recursive: true });
  const pglite = await PGlite.create(location, { loadDataDir: options.loadDataDir });

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
    // One process, one connection: it receives the notifications of its own transactions, and never loses them.
    async listen(channels, handlers) {
      const stops = await Promise.all(channels.map((channel) => pglite.listen(channel, () => handlers.onNotify(channel))));
      return {
        close: async () => {
          await Promise.all(stops.map((stop) => stop()));
        },
      };
    },
    close: () => pglite.close(),
    dump: () => pglite.dumpDataDir('none'),
  };
}
