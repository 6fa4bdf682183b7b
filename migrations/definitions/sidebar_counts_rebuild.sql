/*
 * A full rebuild of the kept counts: sidebar_league_counts from sidebar_league_source and
 * sidebar_league_starts from sidebar_league_start_source, consuming every change record.
 *
 * One statement, so one snapshot: the counts, the starts and the consumed changes are of the same
 * moment, and a write committed later keeps its change record for the next refresh (it must not
 * be counted twice). Only the starts that changed are written: a full refresh every five minutes
 * must not rewrite thousands of rows as they were. What changed is found by a full join of the
 * rows held with the rows counted, which PostgreSQL runs as a hash or merge join (never a nested
 * loop): a NOT EXISTS against the CTE would be planned from the CTE's default estimate, and could
 * compare every row with every other.
 */
create function sidebar_counts_rebuild() returns void
language sql volatile
set search_path = pg_catalog, public, pg_temp
as $$
  with consumed as (
    delete from sidebar_changes
  ),
  fresh as materialized (
    select * from sidebar_league_source
  ),
  gone as (
    delete from sidebar_league_counts c
    where not exists (select 1 from fresh f where f.sport_id = c.sport_id and f.league_id = c.league_id)
  ),
  starts_changed as materialized (
    select coalesce(f.sport_id, s.sport_id) as sport_id, coalesce(f.league_id, s.league_id) as league_id,
           coalesce(f.commence_time, s.commence_time) as commence_time, f.game_count
    from sidebar_league_start_source f
    full join sidebar_league_starts s
      on s.sport_id = f.sport_id and s.league_id = f.league_id and s.commence_time = f.commence_time
    where f.game_count is distinct from s.game_count
  ),
  starts_gone as (
    delete from sidebar_league_starts s
    using starts_changed d
    where d.game_count is null
      and s.sport_id = d.sport_id and s.league_id = d.league_id and s.commence_time = d.commence_time
  ),
  starts_set as (
    insert into sidebar_league_starts as s (sport_id, league_id, commence_time, game_count)
    select sport_id, league_id, commence_time, game_count from starts_changed where game_count is not null
    on conflict (sport_id, league_id, commence_time) do update set game_count = excluded.game_count
  )
  insert into sidebar_league_counts (sport_id, league_id, sport, league, game_count, live_game_count, next_start)
  select sport_id, league_id, sport, league, game_count, live_game_count, next_start from fresh
  on conflict (sport_id, league_id) do update set
    sport = excluded.sport,
    league = excluded.league,
    game_count = excluded.game_count,
    live_game_count = excluded.live_game_count,
    next_start = excluded.next_start
$$;

comment on function sidebar_counts_rebuild() is E'Rebuilds sidebar_league_counts and sidebar_league_starts from odds_events and consumes every change record, in one snapshot.';
