/*
 * Time windows (issue 15): the sidebar of the next 24 hours, or of the rest of a calendar day
 * in a time zone, from the same refresh as the full sidebar, never by a query per request.
 *
 * A window keeps the live games and the games not yet live that start before its end. So, per
 * league, the sidebar needs when its games start, not only how many there are:
 *
 *   odds_events ──► sidebar_league_starts ──► sidebar_data.starts ──► windows, summed per request's window in the service
 *
 * - sidebar_league_starts holds, per (sport, league, start time), how many counted games not
 *   yet live start then. Exact start times, not hour buckets: a window ends at any second
 *   (now + 24 h) or at a day boundary that is not a whole hour in UTC (Asia/Kathmandu, +05:45),
 *   and a game starting exactly at the end must be left out exactly. Kick-offs cluster on round
 *   times, so there are far fewer rows than open games.
 * - Maintained as sidebar_league_counts is (011): a full refresh rebuilds it; a change-driven
 *   one applies the deltas the write triggers recorded, which now say at which start time a
 *   game not yet live was added or removed (sidebar_changes.commence_time), in the statement that
 *   consumes them: work in proportion to the writes, and the counts and starts of one snapshot.
 *   A start whose count a delta takes to zero stays as a zero row until the next full refresh
 *   (readers skip it), so a change-driven refresh never scans the table for them.
 * - sidebar_data and sidebar_source gain `starts`: per league, the games not yet live starting
 *   within 26 hours of the refresh, as [[epoch seconds, games], …] in time order. 26 hours
 *   cover every window the service offers (a calendar day ends at most 25 hours ahead, on a
 *   day that DST lengthens) with an hour to spare, whatever the service's reference time
 *   (the version's refreshed_at, a moment after the refresh's now()).
 *
 * What deltas cannot see (011) applies here too: a game that stops being counted as time
 * passes is listed among the starts until the next full refresh, or until its league changes.
 */

-- Per (sport, league, start time): the counted games not yet live, from odds_events now. The
-- rule of sidebar_league_source (011), for the games that are not live.
create view sidebar_league_start_source as
select sport_id, league_id, commence_time, count(*)::integer as game_count
from odds_events
-- The first condition repeats the partial index predicate (001) so the planner can use it.
where status in ('scheduled', 'live')
  and status <> 'live'
  and sidebar_event_counted(status, commence_time, (select event_horizon from sidebar_settings where id))
group by sport_id, league_id, commence_time;

comment on view sidebar_league_start_source is E'Per (sport, league, start time): counted games not yet live, from odds_events now. Rebuilds sidebar_league_starts.';

create table sidebar_league_starts (
  sport_id      text not null,
  league_id     text not null,
  commence_time timestamptz not null,
  -- Zero (or, after drift, below) until the next full refresh removes the row; read as absent.
  game_count    integer not null,
  primary key (sport_id, league_id, commence_time)
);

-- sidebar_data reads the next 26 hours of every league.
create index idx_sidebar_league_starts_commence on sidebar_league_starts (commence_time);

comment on table sidebar_league_starts is E'sidebar_league_start_source as of the last refresh: rebuilt by full refreshes, updated by change-driven ones from the deltas in sidebar_changes. Rows with game_count <= 0 are absent starts, removed by the next full refresh.';

-- Per league, the starts within 26 hours as a JSON array, over both sources: from_events true,
-- odds_events now (the fallback); false, the table (sidebar_data). As in sidebar_ranked (011),
-- a filter on from_events leaves the other branch unread. Epoch seconds, rounded down: a window
-- ends on a whole second, and t < end holds for floor(t) exactly when it holds for t.
create view sidebar_league_windows as
with starts as (
  select true as from_events, sport_id, league_id, commence_time, game_count
  from sidebar_league_start_source
  where commence_time < now() + interval '26 hours'
  union all
  select false, sport_id, league_id, commence_time, game_count
  from sidebar_league_starts
  where commence_time < now() + interval '26 hours' and game_count > 0
)
select
  from_events,
  sport_id,
  league_id,
  jsonb_agg(jsonb_build_array(floor(extract(epoch from commence_time))::bigint, game_count) order by commence_time) as starts
from starts
group by from_events, sport_id, league_id;

comment on view sidebar_league_windows is E'Per league: the counted games not yet live starting within 26 hours, as [[epoch seconds, games], …], over odds_events now (from_events) or sidebar_league_starts. Read with a filter on from_events.';

-- The fallback read gains the starts (a column added at the end: the others are unchanged).
create or replace view sidebar_source as
select r.sport_id, r.sport, r.league_id, r.league, r.game_count, r.live_game_count, r.next_start, r.sport_priority,
       r.sport_icon, r.league_priority, r.league_icon, r.sport_game_count, r.sport_live_game_count, r.sport_rank,
       r.league_rank, coalesce(w.starts, '[]'::jsonb) as starts
from sidebar_ranked r
left join sidebar_league_windows w on w.from_events and w.sport_id = r.sport_id and w.league_id = r.league_id
where r.from_events;

comment on view sidebar_source is E'The sidebar aggregation over odds_events now (open events before the horizon only), with each league''s starts within 26 hours. The fallback read, when sidebar_data is unavailable.';

-- sidebar_data with the same column: re-created (a materialized view's query cannot be
-- replaced), empty; refreshed at the end if the service had refreshed it before.
drop materialized view sidebar_data;

create materialized view sidebar_data as
  select r.sport_id, r.sport, r.league_id, r.league, r.game_count, r.live_game_count, r.next_start, r.sport_priority,
         r.sport_icon, r.league_priority, r.league_icon, r.sport_game_count, r.sport_live_game_count, r.sport_rank,
         r.league_rank, coalesce(w.starts, '[]'::jsonb) as starts
  from sidebar_ranked r
  left join sidebar_league_windows w on not w.from_events and w.sport_id = r.sport_id and w.league_id = r.league_id
  where not r.from_events
with no data;

create unique index idx_sidebar_data_sport_league on sidebar_data (sport_id, league_id);

comment on materialized view sidebar_data is E'The sidebar as of the last refresh: sidebar_league_counts ranked, with each league''s starts within 26 hours (sidebar_league_starts). Refresh with select refresh_sidebar_data().';

-- What a write records (011's rows) now also says when the games not yet live start: one row per
-- statement, touched (sport, league) and start time of those games; the live games' rows carry
-- no start. The league's counts are the sums of its rows, as before.
alter table sidebar_changes add column commence_time timestamptz;

comment on column sidebar_changes.commence_time is E'The start of the games not yet live this row counts; null for live games (and for rebuild markers).';

-- 011's trigger function, grouping by start time too.
create or replace function tg_sidebar_changes__odds_events() returns trigger
language plpgsql volatile as $$
declare
  v_horizon interval := (select event_horizon from sidebar_settings where id);
begin
  if tg_op = 'INSERT' then
    insert into sidebar_changes (sport_id, league_id, sport, league, commence_time, game_delta, live_delta)
    select sport_id, league_id, min(sport), min(league), starts_at, count(*), count(*) filter (where status = 'live')
    from (select *, case when status = 'live' then null else commence_time end as starts_at from new_rows) as n
    where sidebar_event_counted(status, commence_time, v_horizon)
    group by sport_id, league_id, starts_at;
  elsif tg_op = 'UPDATE' then
    insert into sidebar_changes (sport_id, league_id, sport, league, commence_time, game_delta, live_delta)
    select sport_id, league_id, min(sport), min(league), starts_at, sum(game), sum(live)
    from (
      select sport_id, league_id, null::text as sport, null::text as league,
             case when status = 'live' then null else commence_time end as starts_at,
             -1 as game, -(status = 'live')::integer as live
      from old_rows where sidebar_event_counted(status, commence_time, v_horizon)
      union all
      select sport_id, league_id, sport, league, case when status = 'live' then null else commence_time end,
             1, (status = 'live')::integer
      from new_rows where sidebar_event_counted(status, commence_time, v_horizon)
    ) as touched
    group by sport_id, league_id, starts_at;
  else
    insert into sidebar_changes (sport_id, league_id, commence_time, game_delta, live_delta)
    select sport_id, league_id, starts_at, -count(*), -count(*) filter (where status = 'live')
    from (select *, case when status = 'live' then null else commence_time end as starts_at from old_rows) as o
    where sidebar_event_counted(status, commence_time, v_horizon)
    group by sport_id, league_id, starts_at;
  end if;
  return null;
end;
$$;

-- 011's full rebuild, now of the starts too, in the same statement (one snapshot: the counts,
-- the starts and the consumed changes are of the same moment). Only the starts that changed are
-- written: a full refresh every five minutes must not rewrite thousands of rows as they were.
-- What changed is found by a full join of the rows held with the rows counted, which PostgreSQL
-- runs as a hash or merge join (never a nested loop): a NOT EXISTS against the CTE would be
-- planned from the CTE's default estimate, and could compare every row with every other.
create or replace function sidebar_counts_rebuild() returns void
language sql volatile
as $$
  with consumed as (
    delete from sidebar_changes
  ),
  fresh as materialized (
    select * from sidebar_league_source
  ),
  gone as (
    delete from sidebar_league_counts c
    where not exists (select 1 from fresh f where f.sport_id = c.sport_id and f.league_id = c.league_id)
  ),
  starts_changed as materialized (
    select coalesce(f.sport_id, s.sport_id) as sport_id, coalesce(f.league_id, s.league_id) as league_id,
           coalesce(f.commence_time, s.commence_time) as commence_time, f.game_count
    from sidebar_league_start_source f
    full join sidebar_league_starts s
      on s.sport_id = f.sport_id and s.league_id = f.league_id and s.commence_time = f.commence_time
    where f.game_count is distinct from s.game_count
  ),
  starts_gone as (
    delete from sidebar_league_starts s
    using starts_changed d
    where d.game_count is null
      and s.sport_id = d.sport_id and s.league_id = d.league_id and s.commence_time = d.commence_time
  ),
  starts_set as (
    insert into sidebar_league_starts as s (sport_id, league_id, commence_time, game_count)
    select sport_id, league_id, commence_time, game_count from starts_changed where game_count is not null
    on conflict (sport_id, league_id, commence_time) do update set game_count = excluded.game_count
  )
  insert into sidebar_league_counts (sport_id, league_id, sport, league, game_count, live_game_count, next_start)
  select sport_id, league_id, sport, league, game_count, live_game_count, next_start from fresh
  on conflict (sport_id, league_id) do update set
    sport = excluded.sport,
    league = excluded.league,
    game_count = excluded.game_count,
    live_game_count = excluded.live_game_count,
    next_start = excluded.next_start
$$;

-- 011's change-driven update, now applying the starts' deltas too, in the statement that consumes
-- them (the counts and starts of one snapshot); the rest is 011's, unchanged.
create or replace function sidebar_counts_apply_changes() returns void
language plpgsql volatile
as $$
declare
  v_sports  text[];
  v_leagues text[];
begin
  with consumed as (
    delete from sidebar_changes
    where sport_id is not null
    returning sport_id, league_id, sport, league, commence_time, game_delta, live_delta
  ),
  summed as materialized (
    select sport_id, league_id, min(sport) as sport, min(league) as league,
           sum(game_delta)::integer as game_delta, sum(live_delta)::integer as live_delta
    from consumed
    group by sport_id, league_id
  ),
  -- The starts' deltas (the games not yet live), added to the counts held at their start times.
  starts_applied as (
    insert into sidebar_league_starts as s (sport_id, league_id, commence_time, game_count)
    select sport_id, league_id, commence_time, sum(game_delta)::integer
    from consumed
    where commence_time is not null
    group by sport_id, league_id, commence_time
    having sum(game_delta) <> 0
    on conflict (sport_id, league_id, commence_time) do update set game_count = s.game_count + excluded.game_count
  ),
  applied as (
    insert into sidebar_league_counts as c (sport_id, league_id, sport, league, game_count, live_game_count)
    select sport_id, league_id, sport, league, game_delta, live_delta from summed
    on conflict (sport_id, league_id) do update set
      sport = least(c.sport, excluded.sport),
      league = least(c.league, excluded.league),
      game_count = c.game_count + excluded.game_count,
      live_game_count = c.live_game_count + excluded.live_game_count
    returning c.sport_id, c.league_id
  )
  select array_agg(sport_id), array_agg(league_id) into v_sports, v_leagues from applied;

  update sidebar_league_counts c
  set next_start = (
    select min(e.commence_time)
    from odds_events e
    where e.sport_id = c.sport_id and e.league_id = c.league_id
      and e.status in ('scheduled', 'live')
      and sidebar_event_counted(e.status, e.commence_time, (select event_horizon from sidebar_settings where id))
      and e.commence_time > now()
  )
  from unnest(v_sports, v_leagues) as t(sport_id, league_id)
  where c.sport_id = t.sport_id and c.league_id = t.league_id;

  -- A league whose last game went, or (drift, see 011) counted below zero until a rebuild.
  delete from sidebar_league_counts where game_count <= 0;
  update sidebar_league_counts set live_game_count = least(greatest(live_game_count, 0), game_count)
  where live_game_count < 0 or live_game_count > game_count;
end;
$$;

-- Fill the starts now, and give a database the service has refreshed before a new version
-- (its view was re-created empty above); a new one is left to the first refresh.
do $$
begin
  if exists (select 1 from sidebar_data_version()) then
    perform refresh_sidebar_data('startup');
  end if;
end;
$$;
