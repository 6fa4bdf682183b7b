/*
 * Jurisdictions (issue 15): what a licensed sportsbook may show where its bettor is, chosen by
 * ?jurisdiction=, as Kambi serves its tree per market (US-NJ). Regulators' rules, kept as data:
 *
 * - sidebar_jurisdictions: a code (ISO 3166-1 alpha-2, or a subdivision of ISO 3166-2: FR,
 *   US-NJ), a name, and a mode. In a blocklist jurisdiction, every sport and league rule hides
 *   what it names. In an allowlist jurisdiction (France's regulator approves competitions one
 *   by one), sport and league rules are what may be shown, and every other league is hidden.
 * - sidebar_jurisdiction_rules: (jurisdiction, kind, value). kind sport: a sport_id; league: a
 *   league_id (each of a league's aliases, as in 002 and 013, needs its row); team: the games
 *   involving a team, matched on odds_events.home_team or away_team whatever their case
 *   (New Jersey bars bets on games involving its college teams). Team rules hide games in both
 *   modes. Venues are not among the kinds: no feed this service imports gives a venue.
 *
 * Configuration like the rest: editable without a deploy; a change marks a full rebuild (010's
 * trigger) and takes effect at the next refresh.
 *
 * The refresh computes, per sidebar row, what each jurisdiction hides of it, so a version's
 * answers in every jurisdiction are of that version (the rules as they were when its rows were
 * counted) and the service subtracts, never queries, per request:
 *
 *   sidebar_rows.jurisdictions = {"FR": "hidden", "GB": null, "US-NJ": {game_count, live_game_count, next_start, starts}}
 *
 * Every jurisdiction is a key of every row: "hidden", the whole league is hidden there; null,
 * nothing is; an object, the games involving barred teams: how many, how many live, their
 * starts within 26 hours (as 012's starts), and the league's next start among the games still
 * shown. The keys are also the list of the jurisdictions known, which the service answers an
 * unknown one with.
 *
 * The hidden games are counted from odds_events at each refresh (a full or a change-driven one;
 * two indexes make it cost the games of the listed teams, not the table), not kept by deltas:
 * they are few, and a rule then never drifts. The league's own counts are the refresh's (011),
 * so the service never shows a count below zero when the two differ (011's time drift).
 */
create table sidebar_jurisdictions (
  code       text primary key check (code ~ '^[A-Z]{2}(-[A-Z0-9]{1,3})?$'),
  name       text not null check (length(name) between 1 and 100),
  mode       text not null default 'blocklist' check (mode in ('blocklist', 'allowlist')),
  updated_at timestamptz not null default now()
);

create table sidebar_jurisdiction_rules (
  jurisdiction text not null references sidebar_jurisdictions (code) on update cascade on delete cascade,
  kind         text not null check (kind in ('sport', 'league', 'team')),
  value        text not null check (length(value) between 1 and 200),
  -- Why the rule exists (the regulation), for the operator who reads it later.
  reason       text,
  updated_at   timestamptz not null default now(),
  primary key (jurisdiction, kind, value)
);

comment on table sidebar_jurisdictions is E'Jurisdictions ?jurisdiction= can name: code (ISO 3166), name, mode (blocklist: rules hide; allowlist: only the sports and leagues the rules name are shown).';
comment on table sidebar_jurisdiction_rules is E'Per jurisdiction: a sport_id, league_id or team name (kind) the rule is about. Team rules hide the games involving the team in both modes.';

create trigger sidebar_changes_jurisdictions after insert or update or delete on sidebar_jurisdictions
  for each statement execute function tg_sidebar_changes__config();
create trigger sidebar_changes_jurisdiction_rules after insert or update or delete on sidebar_jurisdiction_rules
  for each statement execute function tg_sidebar_changes__config();

-- The games involving a team, among the open ones (001's predicate): what a team rule finds in a
-- few index lookups, whatever the table's size.
create index idx_odds_events_open_home_team on odds_events (lower(home_team)) where status in ('scheduled', 'live');
create index idx_odds_events_open_away_team on odds_events (lower(away_team)) where status in ('scheduled', 'live');

-- Defaults: realistic examples, for an operator to adapt (they are not legal advice).
insert into sidebar_jurisdictions (code, name, mode) values
  ('US-NJ', 'New Jersey',   'blocklist'),
  ('US-PA', 'Pennsylvania', 'blocklist'),
  ('FR',    'France',       'allowlist'),
  ('GB',    'Great Britain', 'blocklist');

insert into sidebar_jurisdiction_rules (jurisdiction, kind, value, reason) values
  -- New Jersey: no bets on games involving the state's college teams (N.J.S.A. 5:12A-10), under
  -- the names the feeds give them.
  ('US-NJ', 'team', 'Rutgers Scarlet Knights',     'N.J.S.A. 5:12A-10: New Jersey college team'),
  ('US-NJ', 'team', 'Princeton Tigers',            'N.J.S.A. 5:12A-10: New Jersey college team'),
  ('US-NJ', 'team', 'Seton Hall Pirates',          'N.J.S.A. 5:12A-10: New Jersey college team'),
  ('US-NJ', 'team', 'Monmouth Hawks',              'N.J.S.A. 5:12A-10: New Jersey college team'),
  ('US-NJ', 'team', 'Rider Broncs',                'N.J.S.A. 5:12A-10: New Jersey college team'),
  ('US-NJ', 'team', 'Saint Peter''s Peacocks',     'N.J.S.A. 5:12A-10: New Jersey college team'),
  ('US-NJ', 'team', 'NJIT Highlanders',            'N.J.S.A. 5:12A-10: New Jersey college team'),
  ('US-NJ', 'team', 'Fairleigh Dickinson Knights', 'N.J.S.A. 5:12A-10: New Jersey college team'),
  -- Pennsylvania: esports are approved event by event; until one is, none is offered.
  ('US-PA', 'sport', 'esports', 'PGCB approves esports events one by one'),
  -- France: only the competitions on the ANJ's list (a selection), by every id the feeds use.
  ('FR', 'league', 'ligue_1', 'ANJ approved competition'), ('FR', 'league', 'soccer_france_ligue_one', 'ANJ approved competition'),
  ('FR', 'league', 'uefa_champions_league', 'ANJ approved competition'), ('FR', 'league', 'soccer_uefa_champs_league', 'ANJ approved competition'),
  ('FR', 'league', 'epl', 'ANJ approved competition'), ('FR', 'league', 'soccer_epl', 'ANJ approved competition'),
  ('FR', 'league', 'la_liga', 'ANJ approved competition'), ('FR', 'league', 'soccer_spain_la_liga', 'ANJ approved competition'),
  ('FR', 'league', 'serie_a', 'ANJ approved competition'), ('FR', 'league', 'soccer_italy_serie_a', 'ANJ approved competition'),
  ('FR', 'league', 'bundesliga', 'ANJ approved competition'), ('FR', 'league', 'soccer_germany_bundesliga', 'ANJ approved competition'),
  ('FR', 'league', 'nba', 'ANJ approved competition'), ('FR', 'league', 'basketball_nba', 'ANJ approved competition'),
  ('FR', 'league', 'euroleague', 'ANJ approved competition'), ('FR', 'league', 'basketball_euroleague', 'ANJ approved competition'),
  ('FR', 'league', 'nfl', 'ANJ approved competition'), ('FR', 'league', 'americanfootball_nfl', 'ANJ approved competition'),
  ('FR', 'league', 'nhl', 'ANJ approved competition'), ('FR', 'league', 'icehockey_nhl', 'ANJ approved competition'),
  ('FR', 'league', 'atp', 'ANJ approved competition'), ('FR', 'league', 'wta', 'ANJ approved competition'),
  ('FR', 'league', 'six_nations', 'ANJ approved competition');

-- Per jurisdiction: the counted games (011's rule) involving a team it bars, over odds_events
-- now. Per team rule, one index lookup per side of the game (LATERAL: a lookup per rule, whatever
-- the planner guesses of how many games a name has); UNION keeps a game once when both its teams
-- are barred, or two rules name one team.
create view sidebar_barred_games as
select r.jurisdiction, e.id, e.sport_id, e.league_id, e.status, e.commence_time
from sidebar_jurisdiction_rules r
cross join lateral (
  select id, sport_id, league_id, status, commence_time
  from odds_events
  -- The first condition repeats the partial index predicate so the planner can use it.
  where status in ('scheduled', 'live') and lower(home_team) = lower(r.value)
  union all
  select id, sport_id, league_id, status, commence_time
  from odds_events
  where status in ('scheduled', 'live') and lower(away_team) = lower(r.value)
) as e
where r.kind = 'team'
  and sidebar_event_counted(e.status, e.commence_time, (select event_horizon from sidebar_settings where id))
group by r.jurisdiction, e.id, e.sport_id, e.league_id, e.status, e.commence_time;

comment on view sidebar_barred_games is E'Per jurisdiction: the counted open games involving a team it bars (team rules), from odds_events now.';

-- Per (sport, league): what each jurisdiction's team rules hide of it, as {code: {game_count,
-- live_game_count, next_start, starts}}: starts as 012's (the games not yet live starting
-- within 26 hours, [[epoch seconds, games], ...]); next_start (epoch seconds) the league's next
-- start among the games the jurisdiction still shows (its first open game in start order that
-- no team rule of the jurisdiction bars).
create view sidebar_barred_leagues as
with by_start as (
  select jurisdiction, sport_id, league_id, commence_time,
         count(*)::integer as games, (count(*) filter (where status = 'live'))::integer as live
  from sidebar_barred_games
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
      jsonb_agg(jsonb_build_array(floor(extract(epoch from b.commence_time))::bigint, b.games - b.live) order by b.commence_time)
        filter (where b.games > b.live and b.commence_time < now() + interval '26 hours'),
      '[]'::jsonb
    ) as starts,
    (select e.commence_time
     from odds_events e
     where e.sport_id = b.sport_id and e.league_id = b.league_id
       and e.status in ('scheduled', 'live')
       and sidebar_event_counted(e.status, e.commence_time, (select event_horizon from sidebar_settings where id))
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
  )) as barred
from per_jurisdiction
group by sport_id, league_id;

comment on view sidebar_barred_leagues is E'Per (sport, league): the games each jurisdiction''s team rules hide, {code: {game_count, live_game_count, next_start, starts}}, from odds_events now.';

-- 014's rows with what each jurisdiction hides of them (a column added at the end). The barred
-- games are joined once (not per row); the rules per row are a few index lookups.
create or replace view sidebar_rows as
select c.*, lr.region_id, rg.name as region, rg.priority as region_priority,
       sn.names as sport_names, ln.names as league_names, rn.names as region_names,
       coalesce(jr.jurisdictions, '{}'::jsonb) as jurisdictions
from sidebar_counted_rows c
left join sidebar_league_regions lr on lr.league_id = c.league_id
left join sidebar_regions rg on rg.region_id = lr.region_id
left join sidebar_name_sets sn on sn.kind = 'sport' and sn.id = c.sport_id
left join sidebar_name_sets ln on ln.kind = 'league' and ln.id = c.league_id
left join sidebar_name_sets rn on rn.kind = 'region' and rn.id = lr.region_id
left join sidebar_barred_leagues bl on bl.sport_id = c.sport_id and bl.league_id = c.league_id
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
      else coalesce(bl.barred -> j.code, 'null'::jsonb)
    end
    order by j.code
  ) as jurisdictions
  from sidebar_jurisdictions j
) jr on true;

create or replace view sidebar_source as
select sport_id, sport, league_id, league, game_count, live_game_count, next_start, sport_priority, sport_icon,
       league_priority, league_icon, sport_game_count, sport_live_game_count, sport_rank, league_rank, starts,
       region_id, region, region_priority, sport_names, league_names, region_names, jurisdictions
from sidebar_rows
where from_events;

drop materialized view sidebar_data;

create materialized view sidebar_data as
  select sport_id, sport, league_id, league, game_count, live_game_count, next_start, sport_priority, sport_icon,
         league_priority, league_icon, sport_game_count, sport_live_game_count, sport_rank, league_rank, starts,
         region_id, region, region_priority, sport_names, league_names, region_names, jurisdictions
  from sidebar_rows
  where not from_events
with no data;

create unique index idx_sidebar_data_sport_league on sidebar_data (sport_id, league_id);

comment on materialized view sidebar_data is E'The sidebar as of the last refresh: sidebar_league_counts ranked, with each league''s starts within 26 hours, its region, its names per language and what each jurisdiction hides of it. Refresh with select refresh_sidebar_data().';

-- A refresh runs short statements whose estimated cost the team lookups above push past
-- jit_above_cost (each lookup is estimated at a name's average share of the table, thousands of
-- games, where it finds a handful): at 1M events, JIT compilation then took 2.7 s of a view
-- refresh that runs in 11 ms without it. The refresh never gains from it.
alter function refresh_sidebar_data(text, double precision, double precision, boolean) set jit = off;

-- The fallback read, for the same reason: at 5M events JIT compiled for 120 ms of a 250 ms read.
-- The service reads sidebar_source through this function; psql and operators may read the view.
create function sidebar_source_rows() returns setof sidebar_source
language sql stable
set jit = off
as $$
  select * from sidebar_source
$$;

comment on function sidebar_source_rows() is E'sidebar_source (the fallback read) without JIT compilation, which costs more than the query.';

do $$
begin
  if exists (select 1 from sidebar_data_version()) then
    perform refresh_sidebar_data('startup');
  end if;
end;
$$;
