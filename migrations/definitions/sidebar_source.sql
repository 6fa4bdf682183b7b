/*
 * sidebar_source: the sidebar computed from odds_events now, one row per (sport, league) with
 * counted events. The fallback read, when sidebar_data is missing or unpopulated; the service
 * reads it through sidebar_source_rows() (without JIT). The same rows as sidebar_data, from the
 * same definitions (sidebar_rows), so the two never disagree but for what changed since the
 * last refresh. A league (or sport) with no counted event has no row, so users never click into
 * an empty league; readers sort by (sport_rank, league_rank).
 */
create view sidebar_source with (security_invoker = true) as
select sport_id, sport, league_id, league, game_count, live_game_count, next_start, sport_priority, sport_icon,
       league_priority, league_icon, sport_game_count, sport_live_game_count, sport_rank, league_rank, starts,
       region_id, region, region_priority, sport_names, league_names, region_names, jurisdictions
from sidebar_rows
where from_events;

comment on view sidebar_source is E'The sidebar computed from odds_events now (counted events only). The fallback read, when sidebar_data is unavailable.';
