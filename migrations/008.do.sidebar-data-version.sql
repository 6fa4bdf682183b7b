/*
 * The version of sidebar_data: one number per successful refresh, so every cache layer can
 * say which snapshot it holds and never put an older one back over a newer one.
 *
 * The version is the id of the refresh's sidebar_refresh_log row (status 'success'). Ids are
 * handed out in commit order for successful refreshes: refresh_sidebar_data() takes its
 * advisory lock before it inserts the row and keeps it until commit, so two successful
 * refreshes never interleave. Because the log row is written in the refresh's transaction, a
 * single statement that reads the view and the version sees both from the same snapshot.
 *
 * Every instance of the service reads sidebar_data_version() every second or so: that is how
 * a refresh started anywhere (another instance, psql, pg_cron) reaches every cache. It is one
 * row from a partial index, and it works through transaction-pooling PgBouncer or Supabase's
 * pooler, where LISTEN/NOTIFY does not. Pruning in refresh_sidebar_data() runs only after a
 * success and removes rows older than 30 days, so the newest success is never pruned.
 */
create index idx_sidebar_refresh_log_success on sidebar_refresh_log (id desc) where status = 'success';

create function sidebar_data_version()
returns table (version integer, refreshed_at timestamptz)
language sql stable
as $$
  select id, finished_at
  from sidebar_refresh_log
  where status = 'success'
  order by id desc
  limit 1
$$;

comment on function sidebar_data_version() is
  E'The current version of sidebar_data (id of the newest successful refresh) and when it finished; no row before the first refresh.';
