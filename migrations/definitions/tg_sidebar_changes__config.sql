/*
 * A change of the configuration (order, icons, settings, regions, names, jurisdictions), or a
 * TRUNCATE of odds_events, can touch every league: it appends one change record with no league,
 * which makes the next refresh a full rebuild, and NOTIFYs sidebar_changes. Runs as its owner,
 * as the events' trigger does.
 */
create function tg_sidebar_changes__config() returns trigger
language plpgsql volatile
security definer set search_path = pg_catalog, public, pg_temp
as $$
begin
  insert into sidebar_changes (sport_id, league_id) values (null, null);
  perform pg_notify('sidebar_changes', '');
  return null;
end;
$$;

create trigger sidebar_changes_truncate after truncate on odds_events
  for each statement execute function tg_sidebar_changes__config();
create trigger sidebar_changes_sport_config after insert or update or delete on sidebar_sport_config
  for each statement execute function tg_sidebar_changes__config();
create trigger sidebar_changes_league_config after insert or update or delete on sidebar_league_config
  for each statement execute function tg_sidebar_changes__config();
create trigger sidebar_changes_settings after insert or update or delete on sidebar_settings
  for each statement execute function tg_sidebar_changes__config();
create trigger sidebar_changes_regions after insert or update or delete on sidebar_regions
  for each statement execute function tg_sidebar_changes__config();
create trigger sidebar_changes_league_regions after insert or update or delete on sidebar_league_regions
  for each statement execute function tg_sidebar_changes__config();
create trigger sidebar_changes_names after insert or update or delete on sidebar_names
  for each statement execute function tg_sidebar_changes__config();
create trigger sidebar_changes_jurisdictions after insert or update or delete on sidebar_jurisdictions
  for each statement execute function tg_sidebar_changes__config();
create trigger sidebar_changes_jurisdiction_rules after insert or update or delete on sidebar_jurisdiction_rules
  for each statement execute function tg_sidebar_changes__config();
