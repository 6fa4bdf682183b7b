/*
 * From here on, views, functions and triggers are not written in numbered migrations: each has
 * its current definition in one file of migrations/definitions/, and the migration runner
 * (src/db/definitions.ts) re-creates them all, in the order of migrations/definitions/order.txt,
 * whenever a file's checksum changes or a numbered migration was applied. Numbered migrations
 * keep what holds data (tables, their columns, indexes, rows, roles), which must be changed
 * step by step and never replayed; a change to a view or function is a diff of its file alone.
 *
 * sidebar_definitions records what was applied: each file's name (the object it defines), its
 * place in the order (they are dropped in reverse) and its checksum. The rows below are the
 * views and functions 001-016 created, in an order they can be dropped in: the first run of the
 * runner drops them and creates the current definitions in their place (two are renamed:
 * sidebar_barred_games and sidebar_barred_leagues are now sidebar_hidden_games and
 * sidebar_hidden_leagues, and the events' updated_at trigger function is now shared by every
 * table with an updated_at).
 */
create table sidebar_definitions (
  name       text primary key,
  position   integer not null,
  checksum   text not null,
  applied_at timestamptz not null default now()
);

comment on table sidebar_definitions is E'The view, function and trigger definitions (migrations/definitions) applied: name, place in the creation order, checksum. Written by the migration runner.';

insert into sidebar_definitions (name, position, checksum) values
  ('sidebar_event_counted',           1, 'migration'),
  ('sidebar_data_version',            2, 'migration'),
  ('tg_odds_events__set_updated_at',  3, 'migration'),
  ('tg_sidebar_changes__odds_events', 4, 'migration'),
  ('tg_sidebar_changes__config',      5, 'migration'),
  ('sidebar_league_source',           6, 'migration'),
  ('sidebar_ranked',                  7, 'migration'),
  ('sidebar_league_start_source',     8, 'migration'),
  ('sidebar_league_windows',          9, 'migration'),
  ('sidebar_counted_rows',           10, 'migration'),
  ('sidebar_name_sets',              11, 'migration'),
  ('sidebar_barred_games',           12, 'migration'),
  ('sidebar_barred_leagues',         13, 'migration'),
  ('sidebar_rows',                   14, 'migration'),
  ('sidebar_source',                 15, 'migration'),
  ('sidebar_data',                   16, 'migration'),
  ('sidebar_source_rows',            17, 'migration'),
  ('sidebar_counts_rebuild',         18, 'migration'),
  ('sidebar_counts_apply_changes',   19, 'migration'),
  ('refresh_sidebar_data',           20, 'migration'),
  ('refresh_sidebar_data_if_changed', 21, 'migration'),
  ('purge_finished_events',          22, 'migration');

-- Least privilege, as for every table (016): nobody but the owner reads or writes it.
alter table sidebar_definitions enable row level security;
do $$
declare
  v_grantee text;
begin
  for v_grantee in
    select 'public'
    union all
    select quote_ident(rolname) from pg_roles where rolname in ('anon', 'authenticated')
  loop
    execute 'revoke all on table sidebar_definitions from ' || v_grantee;
  end loop;
end;
$$;
