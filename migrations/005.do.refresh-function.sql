/*
 * Refreshing sidebar_data, and the log every refresh leaves behind.
 *
 * refresh_sidebar_data() is the only way the service refreshes the view, whoever asks: the
 * scheduler of any instance, an admin through the API, the CLI. It
 *   - takes a transaction-level advisory lock, so two refreshes never run together, across
 *     processes and instances: the loser logs 'skipped' at once instead of queueing;
 *   - optionally skips when another caller refreshed recently (p_min_interval_seconds), so a
 *     fleet of instances whose schedulers all fire on the same tick refreshes once per tick;
 *   - refreshes CONCURRENTLY once the view is populated (readers never wait) and plainly the
 *     first time (CONCURRENTLY is not allowed on an unpopulated view);
 *   - catches any error inside a subtransaction, so a failed refresh rolls back to the
 *     previous contents of the view and is logged as 'error' with its message;
 *   - flags refreshes slower than p_alert_threshold_seconds (alert_triggered) and raises a
 *     warning for them.
 * It returns the log row it wrote.
 */
create table sidebar_refresh_log (
  id                 integer generated always as identity primary key,
  started_at         timestamptz not null,
  finished_at        timestamptz not null,
  duration_ms        double precision not null check (duration_ms >= 0),
  row_count          integer,
  status             text not null check (status in ('success', 'error', 'skipped')),
  error_message      text,
  trigger            text not null check (trigger in ('scheduler', 'manual', 'startup', 'import')),
  alert_triggered    boolean not null default false,
  alert_threshold_ms double precision not null
);

create index idx_sidebar_refresh_log_started_at on sidebar_refresh_log (started_at desc);

comment on table sidebar_refresh_log is E'One row per call of refresh_sidebar_data(); rows older than 30 days are pruned by it.';
comment on column sidebar_refresh_log.duration_ms is E'Time spent refreshing the view (0 for skipped calls).';

create function refresh_sidebar_data(
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
    if (select relispopulated from pg_class where oid = 'sidebar_data'::regclass) then
      refresh materialized view concurrently sidebar_data;
    else
      refresh materialized view sidebar_data;
    end if;
    select count(*)::integer into v_row_count from sidebar_data;
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

comment on function refresh_sidebar_data(text, double precision, double precision) is
  E'Refreshes sidebar_data (concurrently once populated) under an advisory lock and logs the outcome in sidebar_refresh_log.';
