/*
 * Each league's counts with its configuration (priority, icon of its sport and of itself), over
 * both sources of counts: from_events true, the counts over odds_events now (the fallback read);
 * false, sidebar_league_counts (what sidebar_league_rows is built from). Per league only, so a
 * filter on a league reaches the counts' scan; what needs every league of a sport (its totals,
 * the ranks) is sidebar_rows'. A filter on from_events leaves the other branch unread.
 */
create view sidebar_league_configured with (security_invoker = true) as
with leagues as (
  select true as from_events, sport_id, league_id, sport, league, game_count, live_game_count, next_start
  from sidebar_league_source
  union all
  select false, sport_id, league_id, sport, league, game_count, live_game_count, next_start
  from sidebar_league_counts
)
select
  l.from_events,
  l.sport_id,
  l.sport,
  l.league_id,
  l.league,
  l.game_count,
  l.live_game_count,
  l.next_start,
  sc.priority as sport_priority,
  sc.icon     as sport_icon,
  lc.priority as league_priority,
  lc.icon     as league_icon
from leagues l
left join sidebar_sport_config sc on sc.sport_id = l.sport_id
left join sidebar_league_config lc on lc.league_id = l.league_id;

comment on view sidebar_league_configured is E'Per league: its counts and configuration, over odds_events now (from_events) or sidebar_league_counts. Read with a filter on from_events.';
