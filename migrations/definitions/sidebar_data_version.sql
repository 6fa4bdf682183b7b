/*
 * The version of sidebar_data: the id of the newest successful refresh's sidebar_refresh_log
 * row, and when it finished. Ids are handed out in commit order for successful refreshes
 * (refresh_sidebar_data() takes its advisory lock before it inserts the row and keeps it until
 * commit), and the log row is written in the refresh's transaction, so one statement that reads
 * the view and the version sees both from the same snapshot.
 *
 * Every instance reads it every second or so: that is how a refresh started anywhere (another
 * instance, psql, pg_cron) reaches every cache. One row from a partial index; it works through
 * transaction poolers, where LISTEN does not.
 *
 * Declared to return one row (rows 1): with the default estimate of 1,000, the service's load of
 * the view joined with it was estimated at a million rows and JIT-compiled at every new version
 * (25 ms instead of 1.3 at 5M events, 60-280 ms under the write load of bench:freshness).
 */
create function sidebar_data_version()
returns table (version integer, refreshed_at timestamptz)
language sql stable
rows 1
set search_path = pg_catalog, public, pg_temp
as $$
  select id, finished_at
  from sidebar_refresh_log
  where status = 'success'
  order by id desc
  limit 1
$$;

comment on function sidebar_data_version() is
  E'The current version of sidebar_data (id of the newest successful refresh) and when it finished; no row before the first refresh.';

grant execute on function sidebar_data_version() to sidebar_runtime;
