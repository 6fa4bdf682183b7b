/*
 * Sidebar configuration: priority and icon per sport and per league.
 *
 * Operators edit these rows to reorder the sidebar without a deploy; the next refresh of
 * sidebar_data (at most one refresh interval later) picks the change up.
 * A lower priority is shown first. Sports and leagues that have no row here are still shown,
 * after every configured one (see the ordering in 003).
 *
 * Feeds name the same league differently (The Odds API says 'basketball_nba', others 'nba'),
 * so league rows are keyed by league_id alone and the defaults below list the common aliases.
 */
create table sidebar_sport_config (
  sport_id   text primary key,
  priority   integer not null check (priority >= 0),
  icon       text,
  updated_at timestamptz not null default now()
);

create table sidebar_league_config (
  league_id  text primary key,
  priority   integer not null check (priority >= 0),
  icon       text,
  updated_at timestamptz not null default now()
);

comment on table sidebar_sport_config is E'Sidebar order (lower first) and icon per sport_id; unlisted sports come last.';
comment on table sidebar_league_config is E'Sidebar order (lower first, within its sport) and icon per league_id; unlisted leagues come last.';

-- Defaults: the major US sports first, then soccer and the individual sports.
insert into sidebar_sport_config (sport_id, priority, icon) values
  ('americanfootball', 10, '🏈'),
  ('basketball',       20, '🏀'),
  ('baseball',         30, '⚾'),
  ('icehockey',        40, '🏒'),
  ('soccer',           50, '⚽'),
  ('tennis',           60, '🎾'),
  ('mma',              70, '🥊'),
  ('mixedmartialarts', 70, '🥊'),
  ('boxing',           80, '🥊'),
  ('golf',             90, '⛳'),
  ('cricket',         100, '🏏'),
  ('rugbyunion',      110, '🏉'),
  ('rugbyleague',     115, '🏉'),
  ('aussierules',     120, '🏉');

-- Within a sport: the flagship professional league first, then college and the rest.
insert into sidebar_league_config (league_id, priority) values
  ('nfl', 10),   ('americanfootball_nfl', 10),
  ('ncaaf', 20), ('americanfootball_ncaaf', 20),
  ('nba', 10),   ('basketball_nba', 10),
  ('ncaab', 20), ('basketball_ncaab', 20),
  ('wnba', 30),  ('basketball_wnba', 30),
  ('euroleague', 40), ('basketball_euroleague', 40),
  ('mlb', 10),   ('baseball_mlb', 10),
  ('nhl', 10),   ('icehockey_nhl', 10),
  ('uefa_champions_league', 10), ('soccer_uefa_champs_league', 10),
  ('epl', 20),   ('soccer_epl', 20),
  ('la_liga', 30), ('soccer_spain_la_liga', 30),
  ('serie_a', 40), ('soccer_italy_serie_a', 40),
  ('bundesliga', 50), ('soccer_germany_bundesliga', 50),
  ('ligue_1', 60), ('soccer_france_ligue_one', 60),
  ('mls', 70),   ('soccer_usa_mls', 70),
  ('atp', 10),   ('wta', 20),
  ('ufc', 10),   ('mma_mixed_martial_arts', 10),
  ('pga', 10),   ('golf_pga_championship_winner', 10);
