/*
 * Ranking and configuration, once, over both sources of counts: from_events true, the counts
 * over odds_events now (the fallback read); false, sidebar_league_counts (sidebar_data).
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
 * the other branch is never read. A view, not a function: REFRESH MATERIALIZED VIEW runs with a
 * restricted search_path (PostgreSQL 17, PGlite), under which a function body's unqualified
 * names would not resolve, and a view's are bound when it is created.
 */
create view sidebar_ranked with (security_invoker = true) as
with leagues as (
  select true as from_events, sport_id, league_id, sport, league, game_count, live_game_count, next_start
  from sidebar_league_source
  union all
  select false, sport_id, league_id, sport, league, game_count, live_game_count, next_start
  from sidebar_league_counts
),
configured as (
  select
    l.from_events,
    l.sport_id,
    min(l.sport) over (partition by l.from_events, l.sport_id)                     as sport,
    l.league_id,
    l.league,
    l.game_count,
    l.live_game_count,
    l.next_start,
    sc.priority                                                                   as sport_priority,
    sc.icon                                                                       as sport_icon,
    lc.priority                                                                   as league_priority,
    lc.icon                                                                       as league_icon,
    (sum(l.game_count) over (partition by l.from_events, l.sport_id))::integer      as sport_game_count,
    (sum(l.live_game_count) over (partition by l.from_events, l.sport_id))::integer as sport_live_game_count
  from leagues l
  left join sidebar_sport_config sc on sc.sport_id = l.sport_id
  left join sidebar_league_config lc on lc.league_id = l.league_id
)
select
  c.*,
  (dense_rank() over (
    partition by c.from_events
    order by c.sport_priority asc nulls last,
             c.sport_live_game_count desc,
             c.sport_game_count desc,
             lower(c.sport),
             c.sport_id
  ))::integer as sport_rank,
  (row_number() over (
    partition by c.from_events, c.sport_id
    order by c.league_priority asc nulls last,
             c.live_game_count desc,
             c.game_count desc,
             lower(c.league),
             c.league_id
  ))::integer as league_rank
from configured c;

comment on view sidebar_ranked is E'The sidebar rows, ranked and configured, over odds_events now (from_events) or over sidebar_league_counts (not from_events). Read with a filter on from_events.';
