/*
 * Least privilege: nothing this service created is reachable by any role but the one that
 * migrates it (the owner) and, optionally, a runtime role that owns nothing.
 *
 * Why: on Supabase the schema public is served by the Data API, and every project runs
 *   alter default privileges in schema public grant all on tables, functions and sequences
 *     to anon, authenticated, service_role;
 * so every table, view and function 001-015 created was readable, writable or executable with
 * the public (anon) key that every browser bundle carries: events could be read, a fake live
 * event inserted, New Jersey's jurisdiction rules deleted, refresh_sidebar_data() called. And
 * PostgreSQL itself grants EXECUTE on every new function to PUBLIC, on any server.
 *
 * What this does, on every PostgreSQL (the Supabase roles are handled only where they exist, so
 * it runs as it is on plain PostgreSQL and PGlite):
 *
 * 1. Revokes every privilege on the service's tables, views, materialized view, sequences and
 *    functions from PUBLIC, anon and authenticated. service_role (Supabase's secret key, which
 *    bypasses row level security anyway) keeps what the platform gave it: it is the platform's
 *    back office, and the service itself treats that key as an admin.
 * 2. Turns row level security on for every table, with no policy for those roles: a second
 *    wall, should a grant come back (a platform script re-granting "all tables in schema
 *    public"). The owner bypasses it (not forced), so the service and refreshes are unchanged.
 *    The materialized view sidebar_data cannot have row level security: no grant reaches it.
 * 3. Makes every view run with the caller's rights (security_invoker): a view no longer lends
 *    its owner's rights to whoever may select from it.
 * 4. Pins every function's search_path (pg_catalog first, so no object of the same name
 *    elsewhere shadows a built-in; public, where everything it uses lives; pg_temp last, so a
 *    temporary object never does), but for the counting rule, which the planner inlines and
 *    which gets a body bound at creation instead (below). The functions a runtime role calls, and the triggers its
 *    writes fire, run as their owner (security definer): refreshing a materialized view needs
 *    its ownership, and the change records must not be writable directly.
 * 5. Creates sidebar_runtime, a role that cannot log in and owns nothing, with exactly what the
 *    service needs at run time: read the view, its version and the refresh log, call the
 *    refresh and retention functions, read and write odds_events (imports). A deployment may
 *    connect as a login role that is a member of it (README, "Deploying on Supabase") and
 *    migrate over a separate connection as the owner.
 *
 * The service's objects stay in public, beside odds_events where the platform has it. A schema
 * of their own, not exposed by the Data API, would hide them from it a second way, but every
 * name would then need qualifying in every query (through a transaction pooler a connection
 * cannot carry its own search_path), in the operators' configuration SQL and in their pg_cron
 * jobs; and the Data API reaches a table only through privileges, which no role but the owner
 * and sidebar_runtime has. test/integration/supabase.test.ts fails on any object of the
 * service that anon, authenticated or PUBLIC can use, any table without row level security, any
 * view without security_invoker and any function without a pinned search_path: a later
 * migration that creates an object must do as this one does for it.
 */

-- 1. Nothing for PUBLIC, anon or authenticated. The lists name every object 001-015 created.
do $$
declare
  v_grantee text;
begin
  for v_grantee in
    select 'public'
    union all
    select quote_ident(rolname) from pg_roles where rolname in ('anon', 'authenticated')
  loop
    execute 'revoke all on table
      odds_events, odds_events_archive, schemaversion,
      sidebar_sport_config, sidebar_league_config, sidebar_settings, sidebar_regions, sidebar_league_regions,
      sidebar_names, sidebar_jurisdictions, sidebar_jurisdiction_rules,
      sidebar_refresh_log, sidebar_changes, sidebar_league_counts, sidebar_league_starts,
      sidebar_data,
      sidebar_source, sidebar_league_source, sidebar_ranked, sidebar_league_start_source, sidebar_league_windows,
      sidebar_counted_rows, sidebar_name_sets, sidebar_rows, sidebar_barred_games, sidebar_barred_leagues
      from ' || v_grantee;
    execute 'revoke all on sequence sidebar_changes_id_seq, sidebar_refresh_log_id_seq from ' || v_grantee;
    execute 'revoke all on function
      refresh_sidebar_data(text, double precision, double precision, boolean),
      refresh_sidebar_data_if_changed(double precision, double precision),
      sidebar_data_version(),
      sidebar_source_rows(),
      purge_finished_events(integer, integer, boolean),
      sidebar_counts_rebuild(),
      sidebar_counts_apply_changes(),
      sidebar_event_counted(text, timestamptz, interval),
      tg_odds_events__set_updated_at(),
      tg_sidebar_changes__odds_events(),
      tg_sidebar_changes__config()
      from ' || v_grantee;
  end loop;
end;
$$;

-- 2. Row level security on every table, no policy for the Data API's roles.
alter table odds_events                enable row level security;
alter table odds_events_archive        enable row level security;
alter table schemaversion              enable row level security;
alter table sidebar_sport_config       enable row level security;
alter table sidebar_league_config      enable row level security;
alter table sidebar_settings           enable row level security;
alter table sidebar_regions            enable row level security;
alter table sidebar_league_regions     enable row level security;
alter table sidebar_names              enable row level security;
alter table sidebar_jurisdictions      enable row level security;
alter table sidebar_jurisdiction_rules enable row level security;
alter table sidebar_refresh_log        enable row level security;
alter table sidebar_changes            enable row level security;
alter table sidebar_league_counts      enable row level security;
alter table sidebar_league_starts      enable row level security;

-- 3. Views with the caller's rights.
alter view sidebar_source              set (security_invoker = true);
alter view sidebar_league_source       set (security_invoker = true);
alter view sidebar_ranked              set (security_invoker = true);
alter view sidebar_league_start_source set (security_invoker = true);
alter view sidebar_league_windows      set (security_invoker = true);
alter view sidebar_counted_rows        set (security_invoker = true);
alter view sidebar_name_sets           set (security_invoker = true);
alter view sidebar_rows                set (security_invoker = true);
alter view sidebar_barred_games        set (security_invoker = true);
alter view sidebar_barred_leagues      set (security_invoker = true);

-- 4. Pinned search paths; the entry points of the runtime role and the change triggers as owner.
alter function refresh_sidebar_data(text, double precision, double precision, boolean)
  security definer set search_path = pg_catalog, public, pg_temp;
alter function refresh_sidebar_data_if_changed(double precision, double precision)
  security definer set search_path = pg_catalog, public, pg_temp;
-- The fallback read: the runtime role reads none of the tables behind it.
alter function sidebar_source_rows()
  security definer set search_path = pg_catalog, public, pg_temp;
alter function purge_finished_events(integer, integer, boolean)
  security definer set search_path = pg_catalog, public, pg_temp;
-- Whoever writes odds_events or the configuration records the change, without writing sidebar_changes.
alter function tg_sidebar_changes__odds_events()
  security definer set search_path = pg_catalog, public, pg_temp;
alter function tg_sidebar_changes__config()
  security definer set search_path = pg_catalog, public, pg_temp;
-- Called by the above (as owner) or with the caller's rights.
alter function sidebar_data_version()                            set search_path = pg_catalog, public, pg_temp;
alter function sidebar_counts_rebuild()                          set search_path = pg_catalog, public, pg_temp;
alter function sidebar_counts_apply_changes()                    set search_path = pg_catalog, public, pg_temp;
alter function tg_odds_events__set_updated_at()                  set search_path = pg_catalog, public, pg_temp;

-- 011's counting rule, the same expression, with its body bound when it is created (begin atomic):
-- PostgreSQL resolves every name and operator in it now, so no search_path, the caller's or an
-- attacker's, can change what it runs. A pinned search_path would do the same, but a function
-- with a SET clause is never inlined: called once per event instead, it made a full refresh
-- 2.9 times slower at 1M events (49 -> 143 ms), a change-driven one 9 times (8 -> 75 ms) and the
-- fallback read 3.8 times (23 -> 85 ms). Inlined, it costs nothing.
create or replace function sidebar_event_counted(p_status text, p_commence_time timestamptz, p_horizon interval)
returns boolean
language sql stable
begin atomic
  select p_status in ('scheduled', 'live')
     and (p_status = 'live' or p_commence_time >= now() - interval '12 hours')
     and p_commence_time < now() + p_horizon;
end;

-- 5. The runtime role: the sidebar service at run time, owning nothing; granted to the login role
-- of DATABASE_URL. Roles belong to the cluster, not the database: another database's migration
-- may have created it, or be creating it at this moment. A migration role that may not create
-- roles needs it created beforehand (create role sidebar_runtime nologin).
do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'sidebar_runtime') then
    create role sidebar_runtime nologin;
  end if;
exception when duplicate_object or unique_violation then
  null; -- created concurrently by another database's migration
end;
$$;

grant usage on schema public to sidebar_runtime;
-- Reads: the view and its version, the refresh log (/stats), the migrations applied (/ready).
grant select on sidebar_data, sidebar_refresh_log, schemaversion to sidebar_runtime;
grant execute on function sidebar_data_version(), sidebar_source_rows() to sidebar_runtime;
-- Refreshes (the schedule, admins, change-driven) and retention.
grant execute on function
  refresh_sidebar_data(text, double precision, double precision, boolean),
  refresh_sidebar_data_if_changed(double precision, double precision),
  purge_finished_events(integer, integer, boolean)
  to sidebar_runtime;
-- Imports upsert events (insert ... on conflict do update ... returning); they never delete.
grant select, insert, update on odds_events to sidebar_runtime;

-- Row level security lets the runtime role see (and, for events, write) every row of what it
-- was granted; no other role has a policy.
create policy sidebar_runtime_all on odds_events to sidebar_runtime using (true) with check (true);
create policy sidebar_runtime_read on sidebar_refresh_log for select to sidebar_runtime using (true);
create policy sidebar_runtime_read on schemaversion for select to sidebar_runtime using (true);
