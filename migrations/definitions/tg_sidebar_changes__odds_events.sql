/*
 * Change records: every write to odds_events that can change the sidebar appends to
 * sidebar_changes, whoever writes (our importer, the import endpoint, the platform's own jobs,
 * psql), and the next change-driven refresh applies them instead of recounting every league.
 *
 * Per statement and touched (sport, league, start time of games not yet live), the change of the
 * league's counts: an event counted before the statement counts -1, one counted after +1 (an
 * update that moves one between leagues touches both). Live games' rows carry no start time.
 * Leagues whose events changed without changing counts (a start time moved) are recorded with
 * zero deltas, for their next_start. Names come from the rows after the statement.
 *
 * Appending, never updating a shared counter row, so concurrent writers never queue on one row;
 * per statement, not per row (transition tables), so a 100,000-row import adds a few dozen rows.
 * Runs as its owner (security definer): whoever may write events records their change, without
 * being able to write sidebar_changes directly. TRUNCATE has no transition table: it marks a full
 * rebuild (tg_sidebar_changes__config).
 *
 * A statement whose records are the first to wait (none was waiting before it, committed or its
 * own transaction's) also NOTIFYs sidebar_changes (delivered at commit, once per transaction):
 * instances LISTENing wake their change loop at once instead of at their next poll. Writes while
 * records wait do not: the change loop told of the first asks when the gap allows, and asks once
 * more after every refresh it hears of, which takes the records committed after the refresh
 * began. So at 1,000 writes a second a listening session wakes about once a refresh, not once a
 * write (every listening backend of the database is signalled for every notification, whatever
 * its channel). The payload is empty; listeners ask the database.
 */
create function tg_sidebar_changes__odds_events() returns trigger
language plpgsql volatile
security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_horizon interval := sidebar_event_horizon();
  -- Records waiting before this statement's: the newest through the key (019: not a walk over the consumed ones).
  v_waiting boolean := (select id from sidebar_changes order by id desc limit 1) is not null;
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
  if found and not v_waiting then
    perform pg_notify('sidebar_changes', '');
  end if;
  return null;
end;
$$;

-- A trigger with transition tables fires on one event only: three triggers, one function.
create trigger sidebar_changes_insert after insert on odds_events
  referencing new table as new_rows
  for each statement execute function tg_sidebar_changes__odds_events();
create trigger sidebar_changes_update after update on odds_events
  referencing old table as old_rows new table as new_rows
  for each statement execute function tg_sidebar_changes__odds_events();
create trigger sidebar_changes_delete after delete on odds_events
  referencing old table as old_rows
  for each statement execute function tg_sidebar_changes__odds_events();
