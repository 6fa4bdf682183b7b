/*
 * sidebar_league_rows: each league's sidebar row as of the last refresh, but for what depends on
 * the other leagues (its sport's totals and name, the ranks): counts, configuration, starts
 * within the start window, region, names, and what each jurisdiction hides. sidebar_data ranks
 * these rows; a change-driven refresh rebuilds only the rows of the leagues that changed, or
 * whose time-bound parts went stale (a start entered the window, the next start passed), and
 * reads the others as they are. A full refresh rebuilds them all. Written only by
 * sidebar_league_rows_rebuild() (migrations/definitions), inside refresh_sidebar_data().
 *
 * starts_until: the first of the league's kept starts at or past the window's end when the row
 * was built; once now() + the window reaches it, the row's starts miss a start and it is rebuilt.
 * Null: no start beyond the window.
 */
create table sidebar_league_rows (
  sport_id        text not null,
  league_id       text not null,
  sport           text not null,
  league          text not null,
  game_count      integer not null,
  live_game_count integer not null,
  next_start      timestamptz,
  sport_priority  integer,
  sport_icon      text,
  league_priority integer,
  league_icon     text,
  starts          jsonb not null,
  starts_until    timestamptz,
  region_id       text,
  region          text,
  region_priority integer,
  sport_names     jsonb,
  league_names    jsonb,
  region_names    jsonb,
  jurisdictions   jsonb not null,
  primary key (sport_id, league_id)
);

-- The time-bound rebuilds look these up at every change-driven refresh.
create index idx_sidebar_league_rows_starts_until on sidebar_league_rows (starts_until);
create index idx_sidebar_league_rows_next_start on sidebar_league_rows (next_start);

comment on table sidebar_league_rows is E'Each league''s sidebar row (but its sport''s totals and the ranks) as of the last refresh; sidebar_data ranks them. Rebuilt per league by change-driven refreshes, all of them by full ones.';

-- Least privilege, as for every table (016): nobody but the owner reads or writes it.
alter table sidebar_league_rows enable row level security;
do $$
declare
  v_grantee text;
begin
  for v_grantee in
    select 'public'
    union all
    select quote_ident(rolname) from pg_roles where rolname in ('anon', 'authenticated')
  loop
    execute 'revoke all on table sidebar_league_rows from ' || v_grantee;
  end loop;
end;
$$;
