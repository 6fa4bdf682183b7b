/*
 * Per (sport, league) with counted events, from odds_events now: open games, live games, next
 * start. What a full refresh rebuilds sidebar_league_counts from, and what the fallback read
 * ranks (through sidebar_league_configured and sidebar_rows). Views run with the caller's rights (security_invoker), as
 * every view here: a view never lends its owner's rights to whoever may select from it.
 */
create view sidebar_league_source with (security_invoker = true) as
select
  sport_id,
  league_id,
  -- Feeds may spell a name two ways for one id; min() picks one deterministically.
  min(sport)                                               as sport,
  min(league)                                              as league,
  count(*)::integer                                        as game_count,
  (count(*) filter (where status = 'live'))::integer       as live_game_count,
  min(commence_time) filter (where commence_time > now())  as next_start
from odds_events
-- The first condition repeats the partial index predicate (idx_odds_events_open) so the planner can use it.
where status in ('scheduled', 'live')
  and sidebar_event_counted(status, commence_time, (select sidebar_event_horizon()))
group by sport_id, league_id;

comment on view sidebar_league_source is E'Per (sport, league): open games, live games and next start, from odds_events now. Rebuilds sidebar_league_counts.';
