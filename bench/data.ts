import { createPostgresDb } from '../src/db/postgres.js';
import type { Db, Queryable } from '../src/db/types.js';
import { demoCatalog } from '../src/events/catalog.js';
import { createScratchDatabase } from '../test/helpers/scratch-db.js';

/** A database of the benchmark's own next to `adminUrl`, created empty and dropped by drop(). */
export async function scratchPostgres(adminUrl: string, name: string): Promise<{ db: Db; url: string; drop: () => Promise<void> }> {
  const scratch = await createScratchDatabase(adminUrl, `sidebar_bench_${name}_${process.pid}`);
  const db = createPostgresDb({ connectionString: scratch.url, max: 4, onIdleError: () => {} });
  const drop = async () => {
    await db.close();
    await scratch.drop();
  };
  return { db, url: scratch.url, drop };
}

/** Every league of the demo catalogue, as [sport id, sport, league id, league]. */
export const benchLeagues = demoCatalog.flatMap((s) => s.leagues.map((l) => [s.id, s.name, l.id, l.name] as const));

/**
 * Fills odds_events with `count` events of which about `openShare` are open (scheduled ahead
 * or live) and the rest finished history, the shape of a sportsbook's table after months of
 * operation. Done in SQL with generate_series, in chunks, so millions load in seconds.
 */
export async function fillEvents(db: Queryable, count: number, openShare: number): Promise<void> {
  await db.query('truncate odds_events');
  const perMille = Math.round(openShare * 1000);
  const chunk = 500_000;
  for (let from = 1; from <= count; from += chunk) {
    const to = Math.min(count, from + chunk - 1);
    await db.query(
      `insert into odds_events (id, sport_id, sport, league_id, league, home_team, away_team, commence_time, status, source)
       select 'b' || g, ($1::text[])[1 + g % $5], ($2::text[])[1 + g % $5], ($3::text[])[1 + g % $5], ($4::text[])[1 + g % $5],
              'Home ' || (g % 97), 'Away ' || (g % 89),
              case when g % 1000 < $6 then now() + make_interval(hours => g % 336) - interval '1 hour'
                   else now() - make_interval(hours => 24 + g % 4000) end,
              case when g % 1000 < $6 then (case when g % 40 = 0 then 'live' else 'scheduled' end)
                   else (case when g % 25 = 0 then 'cancelled' when g % 25 = 1 then 'postponed' else 'completed' end) end,
              'bench'
       from generate_series($7::integer, $8::integer) g`,
      [
        benchLeagues.map((l) => l[0]),
        benchLeagues.map((l) => l[1]),
        benchLeagues.map((l) => l[2]),
        benchLeagues.map((l) => l[3]),
        benchLeagues.length,
        perMille,
        from,
        to,
      ],
      // 500,000 rows a statement, through the change triggers: seconds, more on a busy host.
      { timeoutMs: 120_000 },
    );
  }
  await db.query('analyze odds_events');
}
