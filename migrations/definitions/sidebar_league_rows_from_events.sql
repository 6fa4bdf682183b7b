/*
 * The league rows computed from odds_events now (sidebar_league_row_source's from_events branch),
 * behind a function that the planner cannot see into, for sidebar_rows' fallback branch.
 *
 * Why a function: REFRESH MATERIALIZED VIEW plans sidebar_data's query at every refresh, and
 * sidebar_data reads sidebar_rows, whose union has this branch too. As a view, the planner
 * expanded the whole aggregation over odds_events (its joins, the jurisdictions, the names) before
 * finding it filtered out: 5.2 ms of planning for a query that runs in 1 ms, about half of every
 * refresh (REFRESH ... CONCURRENTLY 9.3-10.8 ms at 5M events; 5.3-6.2 ms with this function).
 * A function with its own settings is never inlined, so the branch is a function call whose
 * from_events is a constant, dropped at once when the kept rows are read; the fallback read
 * calls it (same rows, same speed: 113-124 ms at 5M events either way). Its search_path is
 * pinned, so it resolves its names under REFRESH's restricted search_path too.
 */
create function sidebar_league_rows_from_events()
returns table (
  sport_id text, sport text, league_id text, league text, game_count integer, live_game_count integer,
  next_start timestamptz, sport_priority integer, sport_icon text, league_priority integer, league_icon text,
  starts jsonb, region_id text, region text, region_priority integer, sport_names jsonb, league_names jsonb,
  region_names jsonb, jurisdictions jsonb
)
language sql stable
set search_path = pg_catalog, public, pg_temp
as $$
  select sport_id, sport, league_id, league, game_count, live_game_count, next_start, sport_priority, sport_icon,
         league_priority, league_icon, starts, region_id, region, region_priority, sport_names, league_names,
         region_names, jurisdictions
  from sidebar_league_row_source
  where from_events
$$;

comment on function sidebar_league_rows_from_events() is
  E'The league rows over odds_events now (sidebar_league_row_source where from_events), as a function the planner does not inline: sidebar_rows'' fallback branch.';
