/*
 * Per league, its starts within sidebar_start_window() as a JSON array [[epoch seconds, games],
 * ...] in time order, over both sources: from_events true, odds_events now (the fallback read);
 * false, sidebar_league_starts (sidebar_data). As in sidebar_ranked, a filter on from_events
 * leaves the other branch unread. Epoch seconds, rounded down: a window ends on a whole second,
 * and t < end holds for floor(t) exactly when it holds for t. A start whose count a change took
 * to zero stays in sidebar_league_starts until the next full refresh, and is read as absent.
 */
create view sidebar_league_windows with (security_invoker = true) as
with starts as (
  select true as from_events, sport_id, league_id, commence_time, game_count
  from sidebar_league_start_source
  where commence_time < now() + sidebar_start_window()
  union all
  select false, sport_id, league_id, commence_time, game_count
  from sidebar_league_starts
  where commence_time < now() + sidebar_start_window() and game_count > 0
)
select
  from_events,
  sport_id,
  league_id,
  jsonb_agg(jsonb_build_array(floor(extract(epoch from commence_time))::bigint, game_count) order by commence_time) as starts
from starts
group by from_events, sport_id, league_id;

comment on view sidebar_league_windows is E'Per league: the counted games not yet live starting within sidebar_start_window(), as [[epoch seconds, games], …], over odds_events now (from_events) or sidebar_league_starts. Read with a filter on from_events.';
