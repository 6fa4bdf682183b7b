/*
 * A change-driven update of the kept counts: applies the change records (per league and start
 * time, the change of its counts) to sidebar_league_counts and sidebar_league_starts and
 * consumes them, in one statement (the counts and starts of one snapshot, as the rebuild's);
 * then recomputes next_start of the leagues they touched (sidebar_counts_next_start()) and drops
 * leagues left without games. Returns the leagues touched, whose rows sidebar_league_rows then
 * rebuilds. Work in proportion to the writes since the last version. Records with no league (a
 * rebuild) are left for a full refresh.
 *
 * What change records cannot see: an event counts or stops counting because time passes (12
 * hours after its start, or entering the horizon), which no write records. A record is computed
 * with the rule as of the write, so such an event is counted as it was at the last full refresh
 * until the next one (the schedule, every 5 minutes by default) rebuilds the counts: the same
 * bound as every time-based change. A start whose count a record takes to zero stays as a zero row
 * until then (readers skip it), so a change-driven refresh never scans the table for them.
 */
create function sidebar_counts_apply_changes(out p_sport_ids text[], out p_league_ids text[])
language plpgsql volatile
set search_path = pg_catalog, public, pg_temp
as $$
begin
  with consumed as (
    delete from sidebar_changes
    where sport_id is not null
    returning sport_id, league_id, sport, league, commence_time, game_delta, live_delta
  ),
  summed as materialized (
    select sport_id, league_id, min(sport) as sport, min(league) as league,
           sum(game_delta)::integer as game_delta, sum(live_delta)::integer as live_delta
    from consumed
    group by sport_id, league_id
  ),
  -- The starts' deltas (the games not yet live), added to the counts held at their start times.
  starts_applied as (
    insert into sidebar_league_starts as s (sport_id, league_id, commence_time, game_count)
    select sport_id, league_id, commence_time, sum(game_delta)::integer
    from consumed
    where commence_time is not null
    group by sport_id, league_id, commence_time
    having sum(game_delta) <> 0
    on conflict (sport_id, league_id, commence_time) do update set game_count = s.game_count + excluded.game_count
  ),
  applied as (
    insert into sidebar_league_counts as c (sport_id, league_id, sport, league, game_count, live_game_count)
    select sport_id, league_id, sport, league, game_delta, live_delta from summed
    on conflict (sport_id, league_id) do update set
      sport = least(c.sport, excluded.sport),
      league = least(c.league, excluded.league),
      game_count = c.game_count + excluded.game_count,
      live_game_count = c.live_game_count + excluded.live_game_count
    returning c.sport_id, c.league_id
  )
  select array_agg(sport_id), array_agg(league_id) into p_sport_ids, p_league_ids from applied;
  perform sidebar_counts_next_start(p_sport_ids, p_league_ids);
  -- A league whose last game went, or (drift, see above) counted below zero until a rebuild.
  delete from sidebar_league_counts where game_count <= 0;
  update sidebar_league_counts set live_game_count = least(greatest(live_game_count, 0), game_count)
  where live_game_count < 0 or live_game_count > game_count;
end;
$$;

comment on function sidebar_counts_apply_changes() is E'Applies the change records to sidebar_league_counts and sidebar_league_starts and consumes them, and returns the leagues they touched; records with no league are left for a full rebuild.';
