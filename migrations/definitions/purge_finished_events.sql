/*
 * Retention: finished events pile up in odds_events but are never shown. purge_finished_events()
 * moves one small batch of events that finished long ago into odds_events_archive (or deletes
 * them), so a job can call it in a loop without long locks or a huge transaction. "Finished long
 * ago": completed, cancelled or postponed, or still 'scheduled' (a feed never updated it), and
 * started more than p_older_than_days ago. Live events are never touched. Runs as its owner: the
 * runtime role may not delete events or write the archive itself.
 */
create function purge_finished_events(
  p_older_than_days integer,
  p_batch_size      integer default 1000,
  p_archive         boolean default true
) returns integer
language plpgsql volatile
security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_moved integer;
begin
  if p_older_than_days is null or p_older_than_days < 1 then
    raise exception 'p_older_than_days must be at least 1, got %', p_older_than_days;
  end if;

  -- skip locked: rows a feed import is updating right now are left for the next batch.
  with doomed as (
    select id from odds_events
    where status <> 'live'
      and commence_time < now() - make_interval(days => p_older_than_days)
    order by commence_time
    limit p_batch_size
    for update skip locked
  ), removed as (
    delete from odds_events e using doomed d where e.id = d.id
    returning e.*
  ), archived as (
    insert into odds_events_archive
    select r.*, now() from removed r where p_archive
    on conflict (id) do update set archived_at = excluded.archived_at
    returning 1
  )
  select count(*) into v_moved from removed;
  return v_moved;
end;
$$;

comment on function purge_finished_events(integer, integer, boolean) is
  E'Moves (or deletes) one batch of events that finished more than N days ago; returns how many.';

grant execute on function purge_finished_events(integer, integer, boolean) to sidebar_runtime;
