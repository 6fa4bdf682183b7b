/*
 * Regions (issue 15): the country or area a league belongs to (England, Spain, USA,
 * International), as Pinnacle labels its leagues and Kambi groups them, so the sidebar can list
 * Soccer → England → Premier League and each league can say where it is played.
 *
 * - sidebar_regions: a region's display name and its priority (lower first), like the other
 *   configuration tables (002).
 * - sidebar_league_regions: the region of a league_id (the aliases of one league, as in 002, each
 *   have a row). A league without a row has no region: null in the answer, and listed after
 *   every region when grouped.
 *
 * Both are configuration: operators edit them without a deploy, and a change marks a full
 * rebuild (010's trigger), so it shows at the next refresh (within a second when the change
 * poll runs).
 *
 * sidebar_rows is now the one definition of a sidebar row for both reads: ranked (011), with
 * its starts (012; sidebar_counted_rows) and its region. sidebar_source (the fallback) and
 * sidebar_data select from it, filtered on from_events as before.
 */
create table sidebar_regions (
  region_id  text primary key check (region_id ~ '^[a-z0-9_]{1,64}$'),
  name       text not null check (length(name) between 1 and 100),
  priority   integer not null check (priority >= 0),
  updated_at timestamptz not null default now()
);

create table sidebar_league_regions (
  league_id  text primary key,
  region_id  text not null references sidebar_regions (region_id) on update cascade on delete cascade,
  updated_at timestamptz not null default now()
);

create index idx_sidebar_league_regions_region on sidebar_league_regions (region_id);

comment on table sidebar_regions is E'Regions leagues belong to (a country or area): display name and order (lower first) when the sidebar groups leagues by region.';
comment on table sidebar_league_regions is E'The region of a league_id; leagues without a row have no region.';

create trigger sidebar_changes_regions after insert or update or delete on sidebar_regions
  for each statement execute function tg_sidebar_changes__config();
create trigger sidebar_changes_league_regions after insert or update or delete on sidebar_league_regions
  for each statement execute function tg_sidebar_changes__config();

-- Defaults: the regions of the major leagues, cross-border competitions first.
insert into sidebar_regions (region_id, name, priority) values
  ('international', 'International', 10),
  ('europe',        'Europe',        20),
  ('usa',           'USA',           30),
  ('england',       'England',       40),
  ('spain',         'Spain',         50),
  ('italy',         'Italy',         60),
  ('germany',       'Germany',       70),
  ('france',        'France',        80),
  ('netherlands',   'Netherlands',   90),
  ('canada',        'Canada',       100),
  ('japan',         'Japan',        110),
  ('south_korea',   'South Korea',  120),
  ('russia',        'Russia',       130),
  ('sweden',        'Sweden',       140),
  ('india',         'India',        150),
  ('australia',     'Australia',    160);

insert into sidebar_league_regions (league_id, region_id) values
  -- The ids of the demo catalogue and the aliases of 002 (The Odds API's sport keys).
  ('nfl', 'usa'), ('americanfootball_nfl', 'usa'), ('ncaaf', 'usa'), ('americanfootball_ncaaf', 'usa'), ('cfl', 'canada'),
  ('nba', 'usa'), ('basketball_nba', 'usa'), ('ncaab', 'usa'), ('basketball_ncaab', 'usa'), ('wnba', 'usa'),
  ('basketball_wnba', 'usa'), ('euroleague', 'europe'), ('basketball_euroleague', 'europe'),
  ('mlb', 'usa'), ('baseball_mlb', 'usa'), ('npb', 'japan'), ('kbo', 'south_korea'),
  ('nhl', 'usa'), ('icehockey_nhl', 'usa'), ('khl', 'russia'), ('shl', 'sweden'),
  ('uefa_champions_league', 'europe'), ('soccer_uefa_champs_league', 'europe'),
  ('epl', 'england'), ('soccer_epl', 'england'),
  ('la_liga', 'spain'), ('soccer_spain_la_liga', 'spain'),
  ('serie_a', 'italy'), ('soccer_italy_serie_a', 'italy'),
  ('bundesliga', 'germany'), ('soccer_germany_bundesliga', 'germany'),
  ('ligue_1', 'france'), ('soccer_france_ligue_one', 'france'),
  ('mls', 'usa'), ('soccer_usa_mls', 'usa'), ('eredivisie', 'netherlands'), ('soccer_netherlands_eredivisie', 'netherlands'),
  ('atp', 'international'), ('wta', 'international'), ('itf', 'international'),
  ('pga', 'usa'), ('golf_pga_championship_winner', 'usa'), ('lpga', 'usa'), ('liv', 'international'),
  ('ufc', 'international'), ('mma_mixed_martial_arts', 'international'), ('pfl', 'international'), ('bellator', 'international'),
  ('ipl', 'india'), ('test_matches', 'international'), ('big_bash', 'australia'),
  ('six_nations', 'europe'), ('super_rugby', 'international'), ('premiership_rugby', 'england'),
  ('nrl', 'australia'), ('super_league', 'england'), ('afl', 'australia'), ('aussierules_afl', 'australia'),
  ('lol', 'international'), ('cs2', 'international'), ('dota2', 'international'), ('pdc', 'international');

-- A sidebar row's counts for both reads: ranked, with its starts. The starts are joined per
-- source, with from_events a constant in each branch: a filter on from_events then leaves the
-- other branch of sidebar_ranked and of sidebar_league_windows unread (a join on
-- w.from_events = r.from_events would not: the planner does not carry a constant into the
-- nullable side of an outer join).
create view sidebar_counted_rows as
select true as from_events, r.sport_id, r.sport, r.league_id, r.league, r.game_count, r.live_game_count, r.next_start,
       r.sport_priority, r.sport_icon, r.league_priority, r.league_icon, r.sport_game_count, r.sport_live_game_count,
       r.sport_rank, r.league_rank, coalesce(w.starts, '[]'::jsonb) as starts
from sidebar_ranked r
left join sidebar_league_windows w on w.from_events and w.sport_id = r.sport_id and w.league_id = r.league_id
where r.from_events
union all
select false, r.sport_id, r.sport, r.league_id, r.league, r.game_count, r.live_game_count, r.next_start,
       r.sport_priority, r.sport_icon, r.league_priority, r.league_icon, r.sport_game_count, r.sport_live_game_count,
       r.sport_rank, r.league_rank, coalesce(w.starts, '[]'::jsonb)
from sidebar_ranked r
left join sidebar_league_windows w on not w.from_events and w.sport_id = r.sport_id and w.league_id = r.league_id
where not r.from_events;

comment on view sidebar_counted_rows is E'Sidebar rows ranked, with starts within 26 hours, over odds_events now (from_events) or the refreshed counts. Read with a filter on from_events.';

-- A sidebar row, for both reads: its counts, and its region, looked up by league_id (the same
-- for both sources).
create view sidebar_rows as
select c.*, lr.region_id, rg.name as region, rg.priority as region_priority
from sidebar_counted_rows c
left join sidebar_league_regions lr on lr.league_id = c.league_id
left join sidebar_regions rg on rg.region_id = lr.region_id;

comment on view sidebar_rows is E'Sidebar rows (ranked, with starts within 26 hours and region) over odds_events now (from_events) or the refreshed counts. Read with a filter on from_events.';

-- The fallback read gains the region (columns added at the end: the others are unchanged).
create or replace view sidebar_source as
select sport_id, sport, league_id, league, game_count, live_game_count, next_start, sport_priority, sport_icon,
       league_priority, league_icon, sport_game_count, sport_live_game_count, sport_rank, league_rank, starts,
       region_id, region, region_priority
from sidebar_rows
where from_events;

-- sidebar_data with the same columns: re-created, empty; refreshed at the end if the service had
-- refreshed it before.
drop materialized view sidebar_data;

create materialized view sidebar_data as
  select sport_id, sport, league_id, league, game_count, live_game_count, next_start, sport_priority, sport_icon,
         league_priority, league_icon, sport_game_count, sport_live_game_count, sport_rank, league_rank, starts,
         region_id, region, region_priority
  from sidebar_rows
  where not from_events
with no data;

create unique index idx_sidebar_data_sport_league on sidebar_data (sport_id, league_id);

comment on materialized view sidebar_data is E'The sidebar as of the last refresh: sidebar_league_counts ranked, with each league''s starts within 26 hours and its region. Refresh with select refresh_sidebar_data().';

do $$
begin
  if exists (select 1 from sidebar_data_version()) then
    perform refresh_sidebar_data('startup');
  end if;
end;
$$;
