/*
 * sidebar_data: the precomputed sidebar the API reads, refreshed by refresh_sidebar_data().
 * The rows kept per league (sidebar_league_rows: counts, starts within sidebar_start_window(),
 * region, names per language and what each jurisdiction hides; rebuilt by a full refresh, and
 * per changed league by a change-driven one) with their sports' totals and ranked: a few
 * thousand rows at most, read from one table, so its concurrent refresh costs milliseconds.
 *
 * Created empty ("with no data"), so applying the definitions stays instant on a large table;
 * the definitions' runner refreshes it at once on a database that was refreshed before. The
 * unique index on (sport_id, league_id) is what allows REFRESH ... CONCURRENTLY, which rebuilds
 * it without blocking readers. The runtime role reads it; nothing else may (a materialized view
 * cannot have row level security: no grant reaches it).
 */
create materialized view sidebar_data as
  select sport_id, sport, league_id, league, game_count, live_game_count, next_start, sport_priority, sport_icon,
         league_priority, league_icon, sport_game_count, sport_live_game_count, sport_rank, league_rank, starts,
         region_id, region, region_priority, sport_names, league_names, region_names, jurisdictions
  from sidebar_rows
  where not from_events
with no data;

create unique index idx_sidebar_data_sport_league on sidebar_data (sport_id, league_id);

comment on materialized view sidebar_data is E'The sidebar as of the last refresh. Refresh with select refresh_sidebar_data().';

grant select on sidebar_data to sidebar_runtime;
