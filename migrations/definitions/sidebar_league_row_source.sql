/*
 * A league's sidebar row but for what depends on the other leagues (its sport's totals and name,
 * the ranks: sidebar_rows), for both reads (filter on from_events): its counts and configuration
 * (sidebar_league_configured), its starts (sidebar_league_windows), its region, its names per
 * language, and what each jurisdiction hides of it:
 *
 *   jurisdictions = {"FR": "hidden", "GB": null, "US-NJ": {game_count, live_game_count, next_start, starts}}
 *
 * Every jurisdiction is a key of every row: "hidden", the whole league is hidden there (a
 * blocklist rule names its sport or league, or an allowlist names neither); null, nothing is; an
 * object, the games its team rules hide (sidebar_hidden_leagues). So a version's answers in
 * every region, language and jurisdiction are of that version, and the service subtracts, never
 * queries, per request. The hidden games are joined once (not per row); the rules per row are a
 * few index lookups.
 *
 * Not from events, this is what sidebar_league_rows holds (sidebar_league_rows_rebuild() writes
 * it), with starts_until: the first kept start at or past the window's end. No window function
 * and no aggregate over leagues, so a filter on some leagues reaches the counts' and the starts'
 * scans: rebuilding a few rows reads a few leagues. A filter on from_events leaves the other
 * branch unread.
 */
create view sidebar_league_row_source with (security_invoker = true) as
-- Computed once for the fallback read: joined as a view, the planner rescanned its aggregation
-- once per league (a nested loop; 15 ms instead of 7.7 at 100,000 events). Never computed when
-- only the kept rows are read (a CTE runs when scanned, and that branch is then not planned).
with windows as materialized (
  select sport_id, league_id, starts from sidebar_league_windows
),
counted as (
  select c.*, coalesce(w.starts, '[]'::jsonb) as starts, null::timestamptz as starts_until
  from sidebar_league_configured c
  left join windows w on w.sport_id = c.sport_id and w.league_id = c.league_id
  where c.from_events
  union all
  select c.*, coalesce(k.starts, '[]'::jsonb),
         (select s.commence_time
          from sidebar_league_starts s
          where s.sport_id = c.sport_id and s.league_id = c.league_id
            and s.commence_time >= now() + sidebar_start_window() and s.game_count > 0
          order by s.commence_time
          limit 1)
  from sidebar_league_configured c
  -- Per league (a lateral, not a join on a view grouped over every league), so a filter on some
  -- leagues reads their starts only, and of those the window's (the key's range) and the first
  -- after it. A start a change took to zero is read as absent.
  left join lateral (
    select to_jsonb(array_agg(sidebar_start_entry(s.commence_time, s.game_count) order by s.commence_time)) as starts
    from sidebar_league_starts s
    where s.sport_id = c.sport_id and s.league_id = c.league_id
      and s.commence_time < now() + sidebar_start_window() and s.game_count > 0
  ) k on true
  where not c.from_events
)
select c.*, lr.region_id, rg.name as region, rg.priority as region_priority,
       sn.names as sport_names, ln.names as league_names, rn.names as region_names,
       coalesce(jr.jurisdictions, '{}'::jsonb) as jurisdictions
from counted c
left join sidebar_league_regions lr on lr.league_id = c.league_id
left join sidebar_regions rg on rg.region_id = lr.region_id
left join sidebar_name_sets sn on sn.kind = 'sport' and sn.id = c.sport_id
left join sidebar_name_sets ln on ln.kind = 'league' and ln.id = c.league_id
left join sidebar_name_sets rn on rn.kind = 'region' and rn.id = lr.region_id
left join sidebar_hidden_leagues hl on hl.sport_id = c.sport_id and hl.league_id = c.league_id
left join lateral (
  select jsonb_object_agg(
    j.code,
    -- Blocklist: hidden when a rule names its sport or league; allowlist: when none does.
    case
      when (j.mode = 'blocklist') = exists (
        select 1 from sidebar_jurisdiction_rules r
        where r.jurisdiction = j.code
          and ((r.kind = 'sport' and r.value = c.sport_id) or (r.kind = 'league' and r.value = c.league_id))
      ) then '"hidden"'::jsonb
      else coalesce(hl.hidden -> j.code, 'null'::jsonb)
    end
    order by j.code
  ) as jurisdictions
  from sidebar_jurisdictions j
) jr on true;

comment on view sidebar_league_row_source is E'Per league: its sidebar row but its sport''s totals and the ranks (counts, configuration, starts, region, names, jurisdictions), over odds_events now (from_events) or the kept counts and starts (what sidebar_league_rows holds). Read with a filter on from_events.';
