import type { FastifyBaseLogger } from 'fastify';
import type { Queryable } from './types.js';

/** What decides whether sidebar_changes is vacuumed without anyone asking. */
export interface QueueVacuum {
  /** The server's autovacuum setting. */
  autovacuum: boolean;
  /** The table's own autovacuum_enabled storage parameter (true when not set). */
  tableEnabled: boolean;
}

/**
 * Why the change records' queue will not be vacuumed, or null when it will. Pure: the warning's
 * text from the settings read.
 */
export function queueVacuumProblem({ autovacuum, tableEnabled }: QueueVacuum): string | null {
  if (!autovacuum) return 'autovacuum is off on this database server';
  if (!tableEnabled) return 'autovacuum is disabled on sidebar_changes (autovacuum_enabled = false)';
  return null;
}

const selectQueueVacuum = `
  select current_setting('autovacuum')::boolean as autovacuum,
         not coalesce((select reloptions from pg_class where oid = 'sidebar_changes'::regclass)
                      @> array['autovacuum_enabled=false'], false) as "tableEnabled"`;

/**
 * Says once, at start, when the change records' queue will not be vacuumed. sidebar_changes is
 * written and emptied continuously (2,000 rows a second at 1,000 event updates a second), and
 * until a vacuum every check for waiting records (one per write, one per ask of the change
 * loop) walks the dead rows' index entries: 0.1 ms vacuumed, 0.5-2.4 ms with 63,000 dead rows
 * (docs/benchmarks.md). PostgreSQL only: the embedded database has no autovacuum worker and is
 * not for heavy writes. Returns the problem found, or null; a failed read is logged, not thrown.
 */
export async function warnIfQueueNotVacuumed(db: Queryable, log: FastifyBaseLogger): Promise<string | null> {
  try {
    const { rows } = await db.query<QueueVacuum>(selectQueueVacuum);
    const problem = rows[0] ? queueVacuumProblem(rows[0]) : null;
    if (problem)
      log.warn(
        { problem },
        'the change records (sidebar_changes) will not be vacuumed: every write and every change check gets slower as consumed records pile up; turn autovacuum on, or vacuum sidebar_changes every minute',
      );
    return problem;
  } catch (err) {
    log.debug({ err: (err as Error).message }, 'could not read the autovacuum settings');
    return null;
  }
}
