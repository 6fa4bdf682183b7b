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
 * refresh_sidebar_data_if_changed() is what the service polls (a few times a second per
 * instance): nothing pending, or a refresh within the minimum gap, or a refresh running
 * elsewhere, and it returns no row at once without logging anything. Otherwise it refreshes
 * (refresh_sidebar_data(), trigger 'change') and, on success, deletes the change rows it saw
 * before refreshing: exactly those, by id, because a row with a smaller id can belong to a
 * transaction that commits later, after the refresh took its snapshot, and must stay for the
 * next round. A failed refresh deletes nothing.
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

create function refresh_sidebar_data_if_changed(
  p_min_gap_seconds         double precision default 1,
  p_alert_threshold_seconds double precision default 30
) returns setof sidebar_refresh_log
language plpgsql volatile
as $$
declare
  v_pending bigint[];
  v_log     sidebar_refresh_log;
begin
  -- The changes committed by now; the refresh below sees all of them.
  select array_agg(id) into v_pending from sidebar_changes;
  if v_pending is null then
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

  v_log := refresh_sidebar_data('change', p_alert_threshold_seconds, null);
  if v_log.status = 'success' then
    delete from sidebar_changes where id = any (v_pending);
  end if;
  return next v_log;
end;
$$;

comment on function refresh_sidebar_data_if_changed(double precision, double precision) is
  E'Refreshes sidebar_data when sidebar_changes holds rows, at most once per p_min_gap_seconds across callers; returns the log row, or no row when there was nothing to do.';
