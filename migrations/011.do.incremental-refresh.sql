/*
 * Incremental refresh: a change-driven refresh costs what changed, not the whole table.
 *
 * Until now every refresh recomputed the aggregation over every open event (about 80 ms at 5M
 * events, 100k open: at one refresh a second, 8% of a database core). Now the aggregation is
 * kept in two steps:
 *
 *   odds_events ──(counting rules)──► sidebar_league_counts ──(ranking, configuration)──► sidebar_data
 *
 * - sidebar_league_counts holds one row per (sport, league) with open events: the counts and
 *   next start. A full refresh (the schedule, an admin, the CLI, startup) rebuilds it from
 *   sidebar_league_source, the per-league counting rules over odds_events. A change-driven
 *   refresh applies the count deltas the write triggers recorded (010's sidebar_changes, which
 *   now carry them) and recomputes next_start for the leagues they touched, from the open-events
 *   index (001): work in proportion to the writes since the last version.
 * - sidebar_data is now the ranking over that table (a few thousand rows at most), so its
 *   concurrent refresh costs milliseconds.
 * - sidebar_source, the fallback read when sidebar_data is unavailable, is the same ranking
 *   over sidebar_league_source: computed from odds_events, as before.
 *
 * One definition of each rule: which events count (sidebar_event_counted()), how a league is
 * counted (sidebar_league_source), how sports and leagues are ranked (sidebar_ranked).
 *
 * What deltas cannot see: an event counts or stops counting because time passes (12 hours after
 * its start, or entering the event horizon), which no write records. A delta is computed with
 * the rule as of the write, so such an event is counted as it was at the last full refresh
 * until the next one (the schedule, every 5 minutes by default) rebuilds the counts: the same
 * bound as every time-based change. Configuration changes and TRUNCATE mark a full rebuild.
 */

-- Which events the sidebar counts: scheduled or live, not started more than 12 hours ago unless
-- live, and starting before the horizon (sidebar_settings). A plain SQL expression, so the
-- planner inlines it (no call per row) wherever it is used.
create function sidebar_event_counted(p_status text, p_commence_time timestamptz, p_horizon interval)
returns boolean
language sql stable
as $$
  select p_status in ('scheduled', 'live')
     and (p_status = 'live' or p_commence_time >= now() - interval '12 hours')
     and p_commence_time < now() + p_horizon
$$;

-- Per (sport, league): the counts over odds_events now (the rules of 003 and 009).
create view sidebar_league_source as
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
-- The first condition repeats the partial index predicate (001) so the planner can use it.
where status in ('scheduled', 'live')
  and sidebar_event_counted(status, commence_time, (select event_horizon from sidebar_settings where id))
group by sport_id, league_id;

comment on view sidebar_league_source is E'Per (sport, league): open games, live games and next start, from odds_events now. Rebuilds sidebar_league_counts.';

create table sidebar_league_counts (
  sport_id        text not null,
  league_id       text not null,
  -- Null only inside a refresh, for a league a delta creates without names (dropped before commit).
  sport           text,
  league          text,
  game_count      integer not null,
  live_game_count integer not null,
  next_start      timestamptz,
  primary key (sport_id, league_id)
);

comment on table sidebar_league_counts is E'sidebar_league_source as of the last refresh: rebuilt by full refreshes, updated by change-driven ones from the deltas in sidebar_changes.';

-- Ranking and configuration, once, over both sources of counts: from_events true, the counts
-- over odds_events now (the fallback); false, the table (sidebar_data). Every window is
-- partitioned by from_events, so a filter on it is pushed down to the union and the other
-- branch is never read. A view, not a function: REFRESH MATERIALIZED VIEW runs with a restricted
-- search_path (PostgreSQL 17, PGlite), under which a function body's unqualified names would not
-- resolve, and a view's are bound when it is created.
create view sidebar_ranked as
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

drop materialized view sidebar_data;

-- The fallback read: as before, from odds_events, now through the shared definitions.
create or replace view sidebar_source as
select sport_id, sport, league_id, league, game_count, live_game_count, next_start, sport_priority, sport_icon,
       league_priority, league_icon, sport_game_count, sport_live_game_count, sport_rank, league_rank
from sidebar_ranked
where from_events;

comment on view sidebar_source is E'The sidebar aggregation over odds_events now (open events before the horizon only). The fallback read, when sidebar_data is unavailable.';

-- sidebar_data: the ranking over the counts table. Re-created (a materialized view's query
-- cannot be replaced), empty; refreshed at the end if the service had refreshed it before.
create materialized view sidebar_data as
  select sport_id, sport, league_id, league, game_count, live_game_count, next_start, sport_priority, sport_icon,
         league_priority, league_icon, sport_game_count, sport_live_game_count, sport_rank, league_rank
  from sidebar_ranked
  where not from_events
with no data;

create unique index idx_sidebar_data_sport_league on sidebar_data (sport_id, league_id);

comment on materialized view sidebar_data is E'The sidebar as of the last refresh: sidebar_league_counts ranked. Refresh with select refresh_sidebar_data().';

-- What a write records: per statement and touched (sport, league), the change of its counts
-- (010's rows, which carried only the league). Rows with null ids still mean "rebuild everything".
alter table sidebar_changes
  add column sport      text,
  add column league     text,
  add column game_delta integer not null default 0,
  add column live_delta integer not null default 0;

comment on table sidebar_changes is E'Writes not yet in sidebar_data: per statement and touched (sport, league), the change of its open and live counts; null ids: rebuild everything (configuration, TRUNCATE). Consumed by every successful refresh.';

-- 010's trigger function, now with deltas: an event counted before the statement counts -1, one
-- counted after +1 (an update that moves one between leagues touches both). Leagues whose
-- events changed without changing counts (a start time moved) are recorded with zero deltas,
-- for their next_start. Names come from the rows after the statement.
create or replace function tg_sidebar_changes__odds_events() returns trigger
language plpgsql volatile as $$
declare
  v_horizon interval := (select event_horizon from sidebar_settings where id);
begin
  if tg_op = 'INSERT' then
    insert into sidebar_changes (sport_id, league_id, sport, league, game_delta, live_delta)
    select sport_id, league_id, min(sport), min(league), count(*), count(*) filter (where status = 'live')
    from new_rows
    where sidebar_event_counted(status, commence_time, v_horizon)
    group by sport_id, league_id;
  elsif tg_op = 'UPDATE' then
    insert into sidebar_changes (sport_id, league_id, sport, league, game_delta, live_delta)
    select sport_id, league_id, min(sport), min(league), sum(game), sum(live)
    from (
      select sport_id, league_id, null::text as sport, null::text as league, -1 as game, -(status = 'live')::integer as live
      from old_rows where sidebar_event_counted(status, commence_time, v_horizon)
      union all
      select sport_id, league_id, sport, league, 1, (status = 'live')::integer
      from new_rows where sidebar_event_counted(status, commence_time, v_horizon)
    ) as touched
    group by sport_id, league_id;
  else
    insert into sidebar_changes (sport_id, league_id, game_delta, live_delta)
    select sport_id, league_id, -count(*), -count(*) filter (where status = 'live')
    from old_rows
    where sidebar_event_counted(status, commence_time, v_horizon)
    group by sport_id, league_id;
  end if;
  return null;
end;
$$;

-- TRUNCATE has no transition table: it marks a full rebuild, like a configuration change.
create trigger sidebar_changes_truncate after truncate on odds_events
  for each statement execute function tg_sidebar_changes__config();

-- Rebuilds sidebar_league_counts from odds_events and consumes the changes it covers. One
-- statement, so one snapshot: the counts and the consumed changes are of the same moment, and a
-- write committed later keeps its delta for the next refresh (it must not be counted twice).
create function sidebar_counts_rebuild() returns void
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

-- Applies the recorded deltas to sidebar_league_counts and consumes them (one statement, as
-- above); then recomputes next_start of the leagues they touched from the open-events index and
-- drops leagues left without games. Rows with null ids (a rebuild) are left for a full refresh.
create function sidebar_counts_apply_changes() returns void
language plpgsql volatile
as $$
declare
  v_sports  text[];
  v_leagues text[];
begin
  with consumed as (
    delete from sidebar_changes
    where sport_id is not null
    returning sport_id, league_id, sport, league, game_delta, live_delta
  ),
  summed as (
    select sport_id, league_id, min(sport) as sport, min(league) as league,
           sum(game_delta)::integer as game_delta, sum(live_delta)::integer as live_delta
    from consumed
    group by sport_id, league_id
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

  -- A league whose last game went, or (drift, see above) counted below zero until a rebuild.
  delete from sidebar_league_counts where game_count <= 0;
  update sidebar_league_counts set live_game_count = least(greatest(live_game_count, 0), game_count)
  where live_game_count < 0 or live_game_count > game_count;
end;
$$;

-- 010's refresh_sidebar_data(), with one more parameter: p_incremental applies the recorded
-- deltas instead of rebuilding the counts, when it can (no rebuild marked, the view populated).
-- Either way the view is then refreshed from the counts, and the call logged as before.
drop function refresh_sidebar_data(text, double precision, double precision);

create function refresh_sidebar_data(
  p_trigger                 text default 'manual',
  p_alert_threshold_seconds double precision default 30,
  p_min_interval_seconds    double precision default null,
  p_incremental             boolean default false
) returns sidebar_refresh_log
language plpgsql volatile
as $$
declare
  v_started_at     timestamptz := clock_timestamp();
  v_threshold_ms   double precision := p_alert_threshold_seconds * 1000;
  v_last_success   timestamptz;
  v_refresh_start  timestamptz;
  v_duration_ms    double precision;
  v_row_count      integer;
  v_populated      boolean;
  v_log            sidebar_refresh_log;
begin
  -- The lock key is an arbitrary constant shared by every caller; it is released at commit.
  if not pg_try_advisory_xact_lock(hashtext('refresh_sidebar_data')) then
    insert into sidebar_refresh_log
      (started_at, finished_at, duration_ms, status, error_message, trigger, alert_threshold_ms)
    values
      (v_started_at, clock_timestamp(), 0, 'skipped', 'another refresh is in progress', p_trigger, v_threshold_ms)
    returning * into v_log;
    return v_log;
  end if;

  if p_min_interval_seconds is not null then
    select max(finished_at) into v_last_success
    from sidebar_refresh_log
    where status = 'success';

    if v_last_success > clock_timestamp() - make_interval(secs => p_min_interval_seconds) then
      insert into sidebar_refresh_log
        (started_at, finished_at, duration_ms, status, error_message, trigger, alert_threshold_ms)
      values
        (v_started_at, clock_timestamp(), 0, 'skipped',
         format('refreshed %s s ago, within the minimum interval of %s s',
                round(extract(epoch from clock_timestamp() - v_last_success)::numeric, 1),
                p_min_interval_seconds),
         p_trigger, v_threshold_ms)
      returning * into v_log;
      return v_log;
    end if;
  end if;

  v_refresh_start := clock_timestamp();
  begin
    v_populated := (select relispopulated from pg_class where oid = 'sidebar_data'::regclass);
    if p_incremental and v_populated and not exists (select 1 from sidebar_changes where sport_id is null) then
      perform sidebar_counts_apply_changes();
    else
      perform sidebar_counts_rebuild();
    end if;
    if v_populated then
      refresh materialized view concurrently sidebar_data;
    else
      refresh materialized view sidebar_data;
    end if;
    select count(*)::integer into v_row_count from sidebar_data;
  exception when others then
    -- The subtransaction is rolled back: sidebar_data, the counts and the changes are as they were.
    insert into sidebar_refresh_log
      (started_at, finished_at, duration_ms, status, error_message, trigger, alert_threshold_ms)
    values
      (v_started_at, clock_timestamp(),
       extract(epoch from clock_timestamp() - v_refresh_start) * 1000,
       'error', sqlerrm, p_trigger, v_threshold_ms)
    returning * into v_log;
    return v_log;
  end;

  v_duration_ms := extract(epoch from clock_timestamp() - v_refresh_start) * 1000;

  insert into sidebar_refresh_log
    (started_at, finished_at, duration_ms, row_count, status, trigger, alert_triggered, alert_threshold_ms)
  values
    (v_started_at, clock_timestamp(), v_duration_ms, v_row_count, 'success', p_trigger,
     v_duration_ms > v_threshold_ms, v_threshold_ms)
  returning * into v_log;

  if v_log.alert_triggered then
    raise warning 'sidebar_data refresh took % ms (alert threshold % ms)',
      round(v_duration_ms::numeric), round(v_threshold_ms::numeric);
  end if;

  delete from sidebar_refresh_log where started_at < now() - interval '30 days';

  return v_log;
end;
$$;

comment on function refresh_sidebar_data(text, double precision, double precision, boolean) is
  E'Refreshes sidebar_data under an advisory lock (skipped if held, or within p_min_interval_seconds of the last success): rebuilds sidebar_league_counts, or with p_incremental applies the recorded deltas; logs the call in sidebar_refresh_log and returns the row.';

-- 010's function, now refreshing incrementally.
create or replace function refresh_sidebar_data_if_changed(
  p_min_gap_seconds         double precision default 1,
  p_alert_threshold_seconds double precision default 30
) returns setof sidebar_refresh_log
language plpgsql volatile
as $$
begin
  if not exists (select 1 from sidebar_changes) then
    return;
  end if;

  -- At most one refresh per gap across every caller (the newest success, from its partial index).
  if exists (
    select 1 from sidebar_data_version()
    where refreshed_at > clock_timestamp() - make_interval(secs => p_min_gap_seconds)
  ) then
    return;
  end if;

  -- Someone else is refreshing: their refresh, or the next poll, takes these changes.
  -- (The same lock as refresh_sidebar_data()'s; advisory locks are re-entrant in a session.)
  if not pg_try_advisory_xact_lock(hashtext('refresh_sidebar_data')) then
    return;
  end if;

  return next refresh_sidebar_data('change', p_alert_threshold_seconds, null, true);
end;
$$;

-- A database the service has refreshed before gets its counts and a new version now (the
-- view's content is computed the new way); a new one is left to the first refresh.
do $$
begin
  if exists (select 1 from sidebar_data_version()) then
    perform refresh_sidebar_data('startup');
  end if;
end;
$$;
