/*
 * The sidebar rows, ranked, for both reads (filter on from_events): from_events true, over
 * odds_events now (sidebar_league_row_source: the fallback read); false, the rows kept per league
 * as of the last refresh (sidebar_league_rows: sidebar_data). What depends on the other leagues
 * is computed here, over every league: the sport's name (feeds may spell it two ways; min()
 * picks one), its totals and the ranks. A few thousand rows at most.
 *
 * Ordering. Sports are ranked by
 *   1. configured priority, ascending; sports without a sidebar_sport_config row come after
 *      every configured one (nulls last),
 *   2. then the sport's live games, descending: what is happening now comes first,
 *   3. then the sport's open games, descending,
 *   4. then name (case-insensitive) and finally sport_id, so the order is total and stable.
 * Leagues are ranked the same way within their sport, with sidebar_league_config.
 *
 * Every window is partitioned by from_events, so a filter on it is pushed down to the union and
 * the other branch is never read; the fallback branch is a function call
 * (sidebar_league_rows_from_events()), so that refreshing sidebar_data does not plan it either.
 * A view, not a function: REFRESH MATERIALIZED VIEW runs with a restricted search_path
 * (PostgreSQL 17, PGlite), under which a function body's unqualified names would not resolve
 * unless it pins its own, and a view's are bound when it is created.
 */
create view sidebar_rows with (security_invoker = true) as
with leagues as (
  select true as from_events, sport_id, sport, league_id, league, game_count, live_game_count, next_start,
         sport_priority, sport_icon, league_priority, league_icon, starts,
         region_id, region, region_priority, sport_names, league_names, region_names, jurisdictions
  from sidebar_league_rows_from_events()
  union all
  select false, sport_id, sport, league_id, league, game_count, live_game_count, next_start,
         sport_priority, sport_icon, league_priority, league_icon, starts,
         region_id, region, region_priority, sport_names, league_names, region_names, jurisdictions
  from sidebar_league_rows
),
totalled as (
  select
    l.from_events,
    l.sport_id,
    min(l.sport) over (partition by l.from_events, l.sport_id)                     as sport,
    l.league_id,
    l.league,
    l.game_count,
    l.live_game_count,
    l.next_start,
    l.sport_priority,
    l.sport_icon,
    l.league_priority,
    l.league_icon,
    (sum(l.game_count) over (partition by l.from_events, l.sport_id))::integer      as sport_game_count,
    (sum(l.live_game_count) over (partition by l.from_events, l.sport_id))::integer as sport_live_game_count,
    l.starts, l.region_id, l.region, l.region_priority, l.sport_names, l.league_names, l.region_names, l.jurisdictions
  from leagues l
)
select
  t.from_events, t.sport_id, t.sport, t.league_id, t.league, t.game_count, t.live_game_count, t.next_start,
  t.sport_priority, t.sport_icon, t.league_priority, t.league_icon, t.sport_game_count, t.sport_live_game_count,
  (dense_rank() over (
    partition by t.from_events
    order by t.sport_priority asc nulls last,
             t.sport_live_game_count desc,
             t.sport_game_count desc,
             lower(t.sport),
             t.sport_id
  ))::integer as sport_rank,
  (row_number() over (
    partition by t.from_events, t.sport_id
    order by t.league_priority asc nulls last,
             t.live_game_count desc,
             t.game_count desc,
             lower(t.league),
             t.league_id
  ))::integer as league_rank,
  t.starts, t.region_id, t.region, t.region_priority, t.sport_names, t.league_names, t.region_names, t.jurisdictions
from totalled t;

comment on view sidebar_rows is E'Sidebar rows, ranked, over odds_events now (from_events) or the rows kept as of the last refresh (sidebar_league_rows). Read with a filter on from_events.';
