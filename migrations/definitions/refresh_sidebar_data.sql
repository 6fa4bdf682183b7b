/*
 * refresh_sidebar_data(): the only way sidebar_data is refreshed, whoever asks (the schedule of
 * any instance, an admin through the API, the CLI, a change, pg_cron). It
 *   - takes a transaction-level advisory lock, so two refreshes never run together, across
 *     processes and instances: the loser logs 'skipped' at once instead of queueing;
 *   - optionally skips when another caller refreshed recently (p_min_interval_seconds), so a
 *     fleet of instances whose schedules fire on the same tick refreshes once per tick;
 *   - updates the kept counts and rows: with p_incremental, from the change records
 *     (sidebar_counts_apply_changes()) when it can (no rebuild marked, the view populated), and
 *     rebuilds the rows (sidebar_league_rows_rebuild()) of the leagues they touched and of those
 *     whose time-bound parts went stale (a kept start entered the start window, the next start
 *     passed); otherwise rebuilds the counts (sidebar_counts_rebuild()) and every row;
 *   - refreshes the view CONCURRENTLY once it is populated (readers never wait) and plainly the
 *     first time (CONCURRENTLY is not allowed on an unpopulated view);
 *   - catches any error inside a subtransaction, so a failed refresh leaves the view, the counts
 *     and the change records as they were, and is logged as 'error' with its message;
 *   - flags refreshes slower than p_alert_threshold_seconds (alert_triggered) and raises a
 *     warning for them; prunes log rows older than 30 days after a success (never the newest
 *     success, which is the version);
 *   - NOTIFYs sidebar_version after a success (delivered at commit): instances LISTENing read the
 *     new version at once instead of at their next poll.
 * It returns the log row it wrote; a success's id is the new version (sidebar_data_version()).
 *
 * Runs as its owner (refreshing a materialized view needs its ownership), without JIT: its
 * statements are short, but the team lookups push their estimated cost past jit_above_cost, and
 * at 1M events JIT compilation took 2.7 s of a refresh that runs in 11 ms without it.
 */
create function refresh_sidebar_data(
  p_trigger                 text default 'manual',
  p_alert_threshold_seconds double precision default 30,
  p_min_interval_seconds    double precision default null,
  p_incremental             boolean default false
) returns sidebar_refresh_log
language plpgsql volatile
security definer set search_path = pg_catalog, public, pg_temp
set jit = off
as $$
declare
  v_started_at     timestamptz := clock_timestamp();
  v_threshold_ms   double precision := p_alert_threshold_seconds * 1000;
  v_last_success   timestamptz;
  v_refresh_start  timestamptz;
  v_duration_ms    double precision;
  v_row_count      integer;
  v_populated      boolean;
  v_sport_ids      text[];
  v_league_ids     text[];
  v_stale_sports   text[];
  v_stale_leagues  text[];
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
      select * into v_sport_ids, v_league_ids from sidebar_counts_apply_changes();
      -- Time-bound: a start reached the window's end, or the next start passed (its league's
      -- next_start recomputed first). Both through an index on the kept rows.
      select array_agg(sport_id), array_agg(league_id) into v_stale_sports, v_stale_leagues
      from sidebar_league_rows
      where next_start <= now();
      perform sidebar_counts_next_start(v_stale_sports, v_stale_leagues);
      select coalesce(v_sport_ids, '{}') || coalesce(v_stale_sports, '{}') || coalesce(array_agg(sport_id), '{}'),
             coalesce(v_league_ids, '{}') || coalesce(v_stale_leagues, '{}') || coalesce(array_agg(league_id), '{}')
      into v_sport_ids, v_league_ids
      from sidebar_league_rows
      where starts_until <= now() + sidebar_start_window();
      perform sidebar_league_rows_rebuild(v_sport_ids, v_league_ids);
    else
      perform sidebar_counts_rebuild();
      perform sidebar_league_rows_rebuild();
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
  perform pg_notify('sidebar_version', '');

  return v_log;
end;
$$;

comment on function refresh_sidebar_data(text, double precision, double precision, boolean) is
  E'Refreshes sidebar_data under an advisory lock (skipped if held, or within p_min_interval_seconds of the last success): rebuilds sidebar_league_counts and sidebar_league_rows, or with p_incremental applies the recorded deltas and rebuilds the rows of the leagues they touched; logs the call in sidebar_refresh_log and returns the row.';

grant execute on function refresh_sidebar_data(text, double precision, double precision, boolean) to sidebar_runtime;
