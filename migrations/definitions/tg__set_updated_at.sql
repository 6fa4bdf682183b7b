/*
 * updated_at, kept truthful whoever updates a row (feeds, the import endpoint, operators in
 * psql): events say when a feed last changed them, and each configuration row when an operator
 * last changed it (which jurisdiction rule changed last week is a question regulators ask).
 * Inserts take the column's default, now().
 */
create function tg__set_updated_at() returns trigger
language plpgsql volatile
set search_path = pg_catalog, public, pg_temp
as $$
begin
  new.updated_at := now();
  return new;
end;
$$;

create trigger _100_set_updated_at before update on odds_events
  for each row execute function tg__set_updated_at();
create trigger _100_set_updated_at before update on sidebar_sport_config
  for each row execute function tg__set_updated_at();
create trigger _100_set_updated_at before update on sidebar_league_config
  for each row execute function tg__set_updated_at();
create trigger _100_set_updated_at before update on sidebar_settings
  for each row execute function tg__set_updated_at();
create trigger _100_set_updated_at before update on sidebar_regions
  for each row execute function tg__set_updated_at();
create trigger _100_set_updated_at before update on sidebar_league_regions
  for each row execute function tg__set_updated_at();
create trigger _100_set_updated_at before update on sidebar_names
  for each row execute function tg__set_updated_at();
create trigger _100_set_updated_at before update on sidebar_jurisdictions
  for each row execute function tg__set_updated_at();
create trigger _100_set_updated_at before update on sidebar_jurisdiction_rules
  for each row execute function tg__set_updated_at();
