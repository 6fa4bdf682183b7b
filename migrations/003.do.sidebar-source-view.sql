/*
 * sidebar_source: THE definition of the sidebar, one row per (sport, league) with open games.
 *
 * Both the materialized view sidebar_data (004) and the service's fallback read (used when
 * sidebar_data is missing or unpopulated) select from this view, so the two can never disagree.
 *
 * Counting rule. An event is open when
 *   - its status is 'live', or
 *   - its status is 'scheduled' and it started no more than 12 hours ago: a scheduled game
 *     that a feed never moved on to live or completed stops counting after that;
 * 'completed', 'cancelled' and 'postponed' never count. game_count counts open events and
 * live_game_count the open events that are live. A league (or sport) with no open event has
 * no row, so users never click into an empty league.
 *
 * Ordering. Sports are ranked by
 *   1. configured priority, ascending; sports without a sidebar_sport_config row come after
 *      every configured one (nulls last),
 *   2. then the sport's live games, descending: what is happening now comes first,
 *   3. then the sport's open games, descending,
 *   4. then name (case-insensitive) and finally sport_id, so the order is total and stable.
 * Leagues are ranked the same way within their sport, with sidebar_league_config.
 * sport_rank and league_rank carry that order; readers sort by (sport_rank, league_rank).
 */
create view sidebar_source as
with open_events as (
  select sport_id, sport, league_id, league, commence_time, status
  from odds_events
  -- The first condition repeats the partial index predicate (001) so the planner can use it.
  where status in ('scheduled', 'live')
    and (status = 'live' or commence_time >= now() - interval '12 hours')
),
leagues as (
  select
    sport_id,
    league_id,
    -- Feeds may spell a name two ways for one id; min() picks one deterministically.
    min(sport)                                               as sport,
    min(league)                                              as league,
    count(*)::integer                                        as game_count,
    (count(*) filter (where status = 'live'))::integer       as live_game_count,
    min(commence_time) filter (where commence_time > now())  as next_start
  from open_events
  group by sport_id, league_id
),
configured as (
  select
    l.sport_id,
    min(l.sport) over (partition by l.sport_id)                     as sport,
    l.league_id,
    l.league,
    l.game_count,
    l.live_game_count,
    l.next_start,
    sc.priority                                                    as sport_priority,
    sc.icon                                                        as sport_icon,
    lc.priority                                                    as league_priority,
    lc.icon                                                        as league_icon,
    (sum(l.game_count) over (partition by l.sport_id))::integer      as sport_game_count,
    (sum(l.live_game_count) over (partition by l.sport_id))::integer as sport_live_game_count
  from leagues l
  left join sidebar_sport_config sc on sc.sport_id = l.sport_id
  left join sidebar_league_config lc on lc.league_id = l.league_id
)
select
  c.*,
  (dense_rank() over (
    order by c.sport_priority asc nulls last,
             c.sport_live_game_count desc,
             c.sport_game_count desc,
             lower(c.sport),
             c.sport_id
  ))::integer as sport_rank,
  (row_number() over (
    partition by c.sport_id
    order by c.league_priority asc nulls last,
             c.live_game_count desc,
             c.game_count desc,
             lower(c.league),
             c.league_id
  ))::integer as league_rank
from configured c;

comment on view sidebar_source is E'The sidebar aggregation over odds_events (open events only). Source of sidebar_data and of the fallback read.';
