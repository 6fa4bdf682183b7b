/*
 * What the service polls a few times a second per instance: nothing pending, or a refresh
 * within the minimum gap (across every caller: the newest success, from its partial index), or a
 * refresh running elsewhere, and it returns no row at once without logging anything. Otherwise
 * it refreshes from the change records, logged with trigger 'change'.
 */
create function refresh_sidebar_data_if_changed(
  p_min_gap_seconds         double precision default 1,
  p_alert_threshold_seconds double precision default 30
) returns setof sidebar_refresh_log
language plpgsql volatile
security definer set search_path = pg_catalog, public, pg_temp
as $$
begin
  -- The newest record through the key: not a walk over the consumed ones (migration 019).
  if (select id from sidebar_changes order by id desc limit 1) is null then
    return;
  end if;

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

comment on function refresh_sidebar_data_if_changed(double precision, double precision) is
  E'Refreshes sidebar_data when sidebar_changes holds rows, at most once per p_min_gap_seconds across callers; returns the log row, or no row when there was nothing to do.';

grant execute on function refresh_sidebar_data_if_changed(double precision, double precision) to sidebar_runtime;
