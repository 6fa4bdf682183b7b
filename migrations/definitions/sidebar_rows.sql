/*
 * A sidebar row, for both reads (filter on from_events): its counts and starts
 * (sidebar_counted_rows), its region, its names per language, and what each jurisdiction hides
 * of it:
 *
 *   jurisdictions = {"FR": "hidden", "GB": null, "US-NJ": {game_count, live_game_count, next_start, starts}}
 *
 * Every jurisdiction is a key of every row: "hidden", the whole league is hidden there (a
 * blocklist rule names its sport or league, or an allowlist names neither); null, nothing is; an
 * object, the games its team rules hide (sidebar_hidden_leagues). So a version's answers in
 * every region, language and jurisdiction are of that version, and the service subtracts, never
 * queries, per request. The hidden games are joined once (not per row); the rules per row are a
 * few index lookups.
 */
create view sidebar_rows with (security_invoker = true) as
select c.*, lr.region_id, rg.name as region, rg.priority as region_priority,
       sn.names as sport_names, ln.names as league_names, rn.names as region_names,
       coalesce(jr.jurisdictions, '{}'::jsonb) as jurisdictions
from sidebar_counted_rows c
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

comment on view sidebar_rows is E'Sidebar rows (ranked, with starts, region, names and what each jurisdiction hides) over odds_events now (from_events) or the refreshed counts. Read with a filter on from_events.';
