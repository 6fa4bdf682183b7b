/*
 * An event horizon: events that start absurdly far ahead (a feed's typo, year 2999, or
 * hostile data) are not counted, so they cannot fill the sidebar with leagues nobody can bet
 * on yet. The horizon is a setting in the database, next to the other sidebar configuration,
 * because sidebar_source (the one definition of the rules) is what applies it; operators change
 * it with
 *
 *   update sidebar_settings set event_horizon = interval '90 days';
 *
 * and the next refresh applies it. Default: 10 years. It only keeps absurd dates out (year-2999
 * typos, hostile data) without touching anything a sportsbook lists, or the test data sets,
 * whose historic dumps moved into the future span five years; tighten it to what the
 * platform lists (a season, a year).
 */
create table sidebar_settings (
  -- A single row: the key can only be true.
  id            boolean primary key default true check (id),
  event_horizon interval not null default interval '10 years' check (event_horizon > interval '0'),
  updated_at    timestamptz not null default now()
);

insert into sidebar_settings default values;

comment on table sidebar_settings is E'Sidebar settings (one row). event_horizon: events starting later than now() + event_horizon are not counted.';

/*
 * sidebar_source as in 003, with one more condition on open events: they start before the
 * horizon. Everything else (the counting and ordering rules documented in 003) is unchanged;
 * the columns are the same, so sidebar_data (004) keeps selecting from it.
 */
create or replace view sidebar_source as
with open_events as (
  select sport_id, sport, league_id, league, commence_time, status
  from odds_events
  -- The first condition repeats the partial index predicate (001) so the planner can use it.
  where status in ('scheduled', 'live')
    and (status = 'live' or commence_time >= now() - interval '12 hours')
    and commence_time < now() + (select event_horizon from sidebar_settings where id)
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

comment on view sidebar_source is E'The sidebar aggregation over odds_events (open events before the horizon only). Source of sidebar_data and of the fallback read.';
