/*
 * Per jurisdiction, the counted open games its team rules hide (the games involving a team it
 * names, matched on home_team or away_team whatever their case), from odds_events now.
 *
 * Computed at each refresh, not kept by change records: they are few, and a rule then never
 * drifts. Per team rule, one index lookup per side of the game (idx_odds_events_open_home_team
 * and _away_team; LATERAL: a lookup per rule, whatever the planner guesses of how many games a
 * name has); the grouping keeps a game once when both its teams are hidden, or two rules name one
 * team.
 */
create view sidebar_hidden_games with (security_invoker = true) as
select r.jurisdiction, e.id, e.sport_id, e.league_id, e.status, e.commence_time
from sidebar_jurisdiction_rules r
cross join lateral (
  select id, sport_id, league_id, status, commence_time
  from odds_events
  -- The first condition repeats the partial index predicate so the planner can use it.
  where status in ('scheduled', 'live') and lower(home_team) = lower(r.value)
  union all
  select id, sport_id, league_id, status, commence_time
  from odds_events
  where status in ('scheduled', 'live') and lower(away_team) = lower(r.value)
) as e
where r.kind = 'team'
  and sidebar_event_counted(e.status, e.commence_time, (select sidebar_event_horizon()))
group by r.jurisdiction, e.id, e.sport_id, e.league_id, e.status, e.commence_time;

comment on view sidebar_hidden_games is E'Per jurisdiction: the counted open games involving a team its rules name, from odds_events now.';
