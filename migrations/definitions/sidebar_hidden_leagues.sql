/*
 * Per (sport, league): the games each jurisdiction's team rules hide of it, as {code:
 * {game_count, live_game_count, next_start, starts}}: starts as sidebar_league_windows' (the
 * games not yet live starting within sidebar_start_window()); next_start (epoch seconds) the
 * league's next start among the games the jurisdiction still shows (its first open game in start
 * order that no team rule of the jurisdiction names).
 */
create view sidebar_hidden_leagues with (security_invoker = true) as
with by_start as (
  select jurisdiction, sport_id, league_id, commence_time,
         count(*)::integer as games, (count(*) filter (where status = 'live'))::integer as live
  from sidebar_hidden_games
  group by jurisdiction, sport_id, league_id, commence_time
),
per_jurisdiction as (
  select
    b.jurisdiction,
    b.sport_id,
    b.league_id,
    sum(b.games)::integer as game_count,
    sum(b.live)::integer  as live_game_count,
    coalesce(
      to_jsonb(array_agg(sidebar_start_entry(b.commence_time, b.games - b.live) order by b.commence_time)
        filter (where b.games > b.live and b.commence_time < now() + sidebar_start_window())),
      '[]'::jsonb
    ) as starts,
    (select e.commence_time
     from odds_events e
     where e.sport_id = b.sport_id and e.league_id = b.league_id
       and e.status in ('scheduled', 'live')
       and sidebar_event_counted(e.status, e.commence_time, (select sidebar_event_horizon()))
       and e.commence_time > now()
       and not exists (
         select 1 from sidebar_jurisdiction_rules r
         where r.jurisdiction = b.jurisdiction and r.kind = 'team' and lower(r.value) in (lower(e.home_team), lower(e.away_team))
       )
     order by e.commence_time
     limit 1) as next_start
  from by_start b
  group by b.jurisdiction, b.sport_id, b.league_id
)
select
  sport_id,
  league_id,
  jsonb_object_agg(jurisdiction, jsonb_build_object(
    'game_count', game_count,
    'live_game_count', live_game_count,
    'next_start', floor(extract(epoch from next_start))::bigint,
    'starts', starts
  )) as hidden
from per_jurisdiction
group by sport_id, league_id;

comment on view sidebar_hidden_leagues is E'Per (sport, league): the games each jurisdiction''s team rules hide, {code: {game_count, live_game_count, next_start, starts}}, from odds_events now.';
