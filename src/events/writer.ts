import type { Queryable } from '../db/index.js';
import type { OddsEvent } from './types.js';

export interface UpsertCounts {
  inserted: number;
  updated: number;
  unchanged: number;
}

/*
 * One statement per batch: the batch travels as eleven arrays and unnest() turns them back into
 * rows, so a batch of thousands of events costs one round trip and one plan. A row whose
 * values did not change is left alone (no dead tuple, no trigger) and counted as unchanged;
 * xmax = 0 tells a fresh insert from an update.
 *
 * An inferred status never replaces a final status that a feed stated (odds_events.status_inferred). That
 * rule is written out in the SET and again in the change test because only inside ON CONFLICT
 * does it see the existing row as locked for this update; computing it once in a CTE would
 * read the row before the lock and could race a concurrent import.
 */
const upsertEventsSql = `
  with incoming as (
    select * from unnest(
      $1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
      $7::text[], $8::timestamptz[], $9::text[], $10::text[], $11::boolean[])
      as t(id, sport_id, sport, league_id, league, home_team, away_team, commence_time, status, source, status_inferred)
  )
  insert into odds_events as e
    (id, sport_id, sport, league_id, league, home_team, away_team, commence_time, status, source, status_inferred)
  select * from incoming
  on conflict (id) do update set
    sport_id = excluded.sport_id, sport = excluded.sport,
    league_id = excluded.league_id, league = excluded.league,
    home_team = excluded.home_team, away_team = excluded.away_team,
    commence_time = excluded.commence_time, source = excluded.source,
    status = case when excluded.status_inferred and not e.status_inferred and e.status in ('completed', 'cancelled')
                  then e.status else excluded.status end,
    status_inferred = case when excluded.status_inferred and not e.status_inferred and e.status in ('completed', 'cancelled')
                  then false else excluded.status_inferred end
  where (e.sport_id, e.sport, e.league_id, e.league, e.home_team, e.away_team, e.commence_time, e.source,
         e.status, e.status_inferred)
    is distinct from
        (excluded.sport_id, excluded.sport, excluded.league_id, excluded.league, excluded.home_team,
         excluded.away_team, excluded.commence_time, excluded.source,
         case when excluded.status_inferred and not e.status_inferred and e.status in ('completed', 'cancelled')
              then e.status else excluded.status end,
         excluded.status_inferred and not (not e.status_inferred and e.status in ('completed', 'cancelled')))
  returning (xmax = 0) as inserted`;

/** Upserts one batch by id, as one statement (atomic). Ids must be unique within the batch. */
export async function upsertEvents(db: Queryable, events: readonly OddsEvent[]): Promise<UpsertCounts> {
  if (events.length === 0) return { inserted: 0, updated: 0, unchanged: 0 };
  const columns: unknown[][] = Array.from({ length: 11 }, () => new Array(events.length));
  events.forEach((e, i) => {
    const values = [
      e.id,
      e.sport_id,
      e.sport,
      e.league_id,
      e.league,
      e.home_team,
      e.away_team,
      e.commence_time.toISOString(),
      e.status,
      e.source,
      e.status_inferred ?? false,
    ];
    values.forEach((value, c) => {
      (columns[c] as unknown[])[i] = value;
    });
  });
  const { rows } = await db.query<{ inserted: boolean }>(upsertEventsSql, columns);
  const inserted = rows.filter((r) => r.inserted).length;
  return { inserted, updated: rows.length - inserted, unchanged: events.length - rows.length };
}

/**
 * Writes any number of events in batches, calling onProgress after each, and returns the
 * totals. Each batch is its own statement (atomic); a failure stops at that batch.
 */
export async function writeEvents(
  db: Queryable,
  events: Iterable<OddsEvent>,
  options: { batchSize?: number; onProgress?: (written: number) => void } = {},
): Promise<UpsertCounts> {
  const batchSize = options.batchSize ?? 5000;
  const totals: UpsertCounts = { inserted: 0, updated: 0, unchanged: 0 };
  let batch: OddsEvent[] = [];
  let written = 0;
  const flush = async () => {
    const counts = await upsertEvents(db, batch);
    totals.inserted += counts.inserted;
    totals.updated += counts.updated;
    totals.unchanged += counts.unchanged;
    written += batch.length;
    batch = [];
    options.onProgress?.(written);
  };
  for (const event of events) {
    batch.push(event);
    if (batch.length >= batchSize) await flush();
  }
  if (batch.length) await flush();
  return totals;
}

export async function countEvents(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: number }>('select count(*)::integer as n from odds_events');
  return rows[0]?.n ?? 0;
}
