/*
 * Per (sport, league, start time): the counted games not yet live, from odds_events now. What a
 * full refresh rebuilds sidebar_league_starts from. Exact start times, not hour buckets: a time
 * window ends at any second (now + 24 h) or at a day boundary that is not a whole hour in UTC
 * (Asia/Kathmandu, +05:45), and a game starting exactly at the end must be left out exactly.
 */
create view sidebar_league_start_source with (security_invoker = true) as
select sport_id, league_id, commence_time, count(*)::integer as game_count
from odds_events
-- The first condition repeats the partial index predicate (idx_odds_events_open) so the planner can use it.
where status in ('scheduled', 'live')
  and status <> 'live'
  and sidebar_event_counted(status, commence_time, (select sidebar_event_horizon()))
group by sport_id, league_id, commence_time;

comment on view sidebar_league_start_source is E'Per (sport, league, start time): counted games not yet live, from odds_events now. Rebuilds sidebar_league_starts.';
