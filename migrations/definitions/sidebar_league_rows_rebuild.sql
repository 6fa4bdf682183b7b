/*
 * Rebuilds sidebar_league_rows from sidebar_league_row_source (not from events: the kept counts
 * and starts, the configuration, the names, the jurisdictions): the rows of the leagues given
 * (sport_ids[i], league_ids[i]; a league no longer counted loses its row), or with null, every
 * row. A row that did not change is not rewritten. Called by refresh_sidebar_data() only, once
 * the counts are up to date. Two statements rather than one with "is null or": each is planned
 * for what it reads, so the per-league one reaches the counts and starts through their keys.
 */
create function sidebar_league_rows_rebuild(p_sport_ids text[] default null, p_league_ids text[] default null) returns void
language plpgsql volatile
set search_path = pg_catalog, public, pg_temp
-- Planned once per connection (a custom plan costs more to make than the per-league statement to run).
set plan_cache_mode = force_generic_plan
as $$
begin
  if p_sport_ids is null then
    with fresh as materialized (
      select sport_id, league_id, sport, league, game_count, live_game_count, next_start, sport_priority, sport_icon,
             league_priority, league_icon, starts, starts_until, region_id, region, region_priority, sport_names,
             league_names, region_names, jurisdictions
      from sidebar_league_row_source
      where not from_events
    ),
    gone as (
      delete from sidebar_league_rows r
      where not exists (select 1 from fresh f where f.sport_id = r.sport_id and f.league_id = r.league_id)
    )
    insert into sidebar_league_rows as r
    select * from fresh
    on conflict (sport_id, league_id) do update set
      sport = excluded.sport, league = excluded.league, game_count = excluded.game_count,
      live_game_count = excluded.live_game_count, next_start = excluded.next_start,
      sport_priority = excluded.sport_priority, sport_icon = excluded.sport_icon,
      league_priority = excluded.league_priority, league_icon = excluded.league_icon,
      starts = excluded.starts, starts_until = excluded.starts_until, region_id = excluded.region_id,
      region = excluded.region, region_priority = excluded.region_priority, sport_names = excluded.sport_names,
      league_names = excluded.league_names, region_names = excluded.region_names, jurisdictions = excluded.jurisdictions
    where (r.*) is distinct from (excluded.*);
  else
    with wanted as (
      select distinct sport_id, league_id from unnest(p_sport_ids, p_league_ids) as t(sport_id, league_id)
    ),
    fresh as materialized (
      select s.sport_id, s.league_id, s.sport, s.league, s.game_count, s.live_game_count, s.next_start, s.sport_priority,
             s.sport_icon, s.league_priority, s.league_icon, s.starts, s.starts_until, s.region_id, s.region,
             s.region_priority, s.sport_names, s.league_names, s.region_names, s.jurisdictions
      from sidebar_league_row_source s
      join wanted w on w.sport_id = s.sport_id and w.league_id = s.league_id
      -- What the planner pushes down to the scans of the counts (a join condition it cannot).
      where not s.from_events and s.sport_id = any(p_sport_ids) and s.league_id = any(p_league_ids)
    ),
    gone as (
      delete from sidebar_league_rows r
      using wanted w
      where w.sport_id = r.sport_id and w.league_id = r.league_id
        and not exists (select 1 from fresh f where f.sport_id = r.sport_id and f.league_id = r.league_id)
    )
    insert into sidebar_league_rows as r
    select * from fresh
    on conflict (sport_id, league_id) do update set
      sport = excluded.sport, league = excluded.league, game_count = excluded.game_count,
      live_game_count = excluded.live_game_count, next_start = excluded.next_start,
      sport_priority = excluded.sport_priority, sport_icon = excluded.sport_icon,
      league_priority = excluded.league_priority, league_icon = excluded.league_icon,
      starts = excluded.starts, starts_until = excluded.starts_until, region_id = excluded.region_id,
      region = excluded.region, region_priority = excluded.region_priority, sport_names = excluded.sport_names,
      league_names = excluded.league_names, region_names = excluded.region_names, jurisdictions = excluded.jurisdictions
    where (r.*) is distinct from (excluded.*);
  end if;
end;
$$;

comment on function sidebar_league_rows_rebuild(text[], text[]) is E'Rebuilds the rows of sidebar_league_rows of the leagues given (all with null) from sidebar_league_row_source.';
