/*
 * Change-driven freshness: every write that can change the sidebar marks what it touched, and
 * the service refreshes sidebar_data soon after, instead of at the next scheduled tick.
 *
 * Whoever writes (our importer, the import endpoint, the platform's own jobs in SQL, psql),
 * statement-level triggers append to sidebar_changes: one row per statement and (sport, league)
 * it touched among open events, or one row with no league for a change of the configuration.
 * Appending, never updating a shared counter row, so concurrent writers never queue on one
 * row; per statement, not per row, so a 100,000-row import adds a few dozen rows.
 *
 * Every successful refresh, whoever calls it (the schedule, an admin, pg_cron, a change),
 * consumes the change rows committed before it began: refresh_sidebar_data() is redefined below
 * (005's body, unchanged but for the two marked statements), so the table stays small whatever
 * calls it. A failed refresh consumes nothing.
 *
 * refresh_sidebar_data_if_changed() is what the service polls (a few times a second per
 * instance): nothing pending, or a refresh within the minimum gap, or a refresh running
 * elsewhere, and it returns no row at once without logging anything. Otherwise it refreshes,
 * logged with trigger 'change'.
 *
 * No LISTEN/NOTIFY: the service may reach PostgreSQL through a transaction pooler (Supabase's,
 * PgBouncer in transaction mode), where LISTEN does not work; the poll is an index probe.
 * The (sport, league) pairs are kept for a later incremental refresh of only what changed.
 */
create table sidebar_changes (
  id         bigint generated always as identity primary key,
  -- null: a configuration change (order, icons, settings), which can touch every league.
  sport_id   text,
  league_id  text,
  changed_at timestamptz not null default now()
);

comment on table sidebar_changes is E'Writes not yet in sidebar_data: one row per statement and touched (sport, league) of open events, or with null ids for a configuration change. Consumed by refresh_sidebar_data_if_changed().';

-- Only open events (scheduled, live) are counted (003), so only they make a write matter:
-- an update of a finished event, or the purge of finished ones (007), changes nothing shown.
create function tg_sidebar_changes__odds_events() returns trigger
language plpgsql volatile as $$
begin
  if tg_op = 'INSERT' then
    insert into sidebar_changes (sport_id, league_id)
    select distinct sport_id, league_id from new_rows where status in ('scheduled', 'live');
  elsif tg_op = 'UPDATE' then
    insert into sidebar_changes (sport_id, league_id)
    select sport_id, league_id from old_rows where status in ('scheduled', 'live')
    union
    select sport_id, league_id from new_rows where status in ('scheduled', 'live');
  else
    insert into sidebar_changes (sport_id, league_id)
    select distinct sport_id, league_id from old_rows where status in ('scheduled', 'live');
  end if;
  return null;
end;
$$;

-- A trigger with transition tables can fire on one event only: three triggers, one function.
create trigger sidebar_changes_insert after insert on odds_events
  referencing new table as new_rows
  for each statement execute function tg_sidebar_changes__odds_events();
create trigger sidebar_changes_update after update on odds_events
  referencing old table as old_rows new table as new_rows
  for each statement execute function tg_sidebar_changes__odds_events();
create trigger sidebar_changes_delete after delete on odds_events
  referencing old table as old_rows
  for each statement execute function tg_sidebar_changes__odds_events();

create function tg_sidebar_changes__config() returns trigger
language plpgsql volatile as $$
begin
  insert into sidebar_changes (sport_id, league_id) values (null, null);
  return null;
end;
$$;

create trigger sidebar_changes_sport_config after insert or update or delete on sidebar_sport_config
  for each statement execute function tg_sidebar_changes__config();
create trigger sidebar_changes_league_config after insert or update or delete on sidebar_league_config
  for each statement execute function tg_sidebar_changes__config();
create trigger sidebar_changes_settings after insert or update or delete on sidebar_settings
  for each statement execute function tg_sidebar_changes__config();

-- Refreshes made because of changes are logged as such.
alter table sidebar_refresh_log drop constraint sidebar_refresh_log_trigger_check;
alter table sidebar_refresh_log add constraint sidebar_refresh_log_trigger_check
  check (trigger in ('scheduler', 'manual', 'startup', 'import', 'change'));

-- 005's function, which now also consumes sidebar_changes (the two statements marked 010).
create or replace function refresh_sidebar_data(
  p_trigger                 text default 'manual',
  p_alert_threshold_seconds double precision default 30,
  p_min_interval_seconds    double precision default null
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
  v_log            sidebar_refresh_log;
  v_pending        bigint[];
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
  -- The changes committed by now: the refresh below sees all of them (010).
  select array_agg(id) into v_pending from sidebar_changes;
  begin
    if (select relispopulated from pg_class where oid = 'sidebar_data'::regclass) then
      refresh materialized view concurrently sidebar_data;
    else
      refresh materialized view sidebar_data;
    end if;
    select count(*)::integer into v_row_count from sidebar_data;
    -- Exactly those: a row with a smaller id can belong to a transaction that commits later,
    -- after the refresh took its snapshot, and must stay for the next refresh (010).
    delete from sidebar_changes where id = any (v_pending);
  exception when others then
    -- The subtransaction is rolled back: sidebar_data keeps its previous contents.
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

create function refresh_sidebar_data_if_changed(
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

  return next refresh_sidebar_data('change', p_alert_threshold_seconds, null);
end;
$$;

comment on function refresh_sidebar_data_if_changed(double precision, double precision) is
  E'Refreshes sidebar_data when sidebar_changes holds rows, at most once per p_min_gap_seconds across callers; returns the log row, or no row when there was nothing to do.';
