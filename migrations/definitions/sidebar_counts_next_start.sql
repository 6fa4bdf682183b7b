/*
 * Recomputes the kept next_start (the earliest start after now among counted open games) of the
 * leagues given (sport_ids[i], league_ids[i]) from the open-events index: for the leagues a
 * change touched, and for those whose next start has passed (a time-bound change, which no
 * write records). Leagues not in sidebar_league_counts are skipped.
 */
create function sidebar_counts_next_start(p_sport_ids text[], p_league_ids text[]) returns void
language sql volatile
set search_path = pg_catalog, public, pg_temp
begin atomic
  update sidebar_league_counts c
  set next_start = (
    select min(e.commence_time)
    from odds_events e
    where e.sport_id = c.sport_id and e.league_id = c.league_id
      and e.status in ('scheduled', 'live')
      and sidebar_event_counted(e.status, e.commence_time, (select sidebar_event_horizon()))
      and e.commence_time > now()
  )
  from unnest(p_sport_ids, p_league_ids) as t(sport_id, league_id)
  where c.sport_id = t.sport_id and c.league_id = t.league_id;
end;

comment on function sidebar_counts_next_start(text[], text[]) is E'Recomputes next_start in sidebar_league_counts for the leagues given, from odds_events.';
