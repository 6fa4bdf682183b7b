/*
 * Languages (issue 15): sport, league and region names per language, chosen by ?lang=, as
 * Betfair answers per locale and Kambi per lang.
 *
 * sidebar_names holds a display name per (kind, id, language): kind is sport, league or region;
 * id the sport_id, league_id or region_id; lang a BCP 47 tag in its canonical case (es, pt-BR,
 * de). A name without a row in the language asked for falls back to its language's prefix
 * (pt-BR to pt), then to the default name (the feed's, or sidebar_regions.name): the service
 * applies the fallback per name, so a missing translation shows the default, never an empty
 * name. Configuration like the rest: editable without a deploy, a change marks a full rebuild
 * (010's trigger) and shows at the next refresh.
 *
 * The names travel with the refresh, so a version's answers in every language are of that
 * version: sidebar_rows gains each row's names as {lang: name} objects (null without any),
 * and sidebar_data and sidebar_source with it.
 */
create table sidebar_names (
  kind       text not null check (kind in ('sport', 'league', 'region')),
  id         text not null,
  -- A language, a script or region subtag or two (es, pt-BR, zh-Hant): what ?lang= resolves to.
  lang       text not null check (lang ~ '^[a-z]{2,3}(-[A-Za-z0-9]{2,8}){0,2}$'),
  name       text not null check (length(name) between 1 and 100),
  updated_at timestamptz not null default now(),
  primary key (kind, id, lang)
);

comment on table sidebar_names is E'Display names per language: kind (sport, league, region), id, lang (BCP 47, canonical case), name. A name missing in a language falls back to the language''s prefix, then to the default name.';

create trigger sidebar_changes_names after insert or update or delete on sidebar_names
  for each statement execute function tg_sidebar_changes__config();

-- Defaults: the catalogue's sports and the seeded regions in English, Spanish, Portuguese (Brazil)
-- and German, and the leagues whose names are translated. Names the same in a language are left
-- out: they fall back to the default.
insert into sidebar_names (kind, id, lang, name) values
  ('sport', 'americanfootball', 'en', 'American Football'), ('sport', 'americanfootball', 'es', 'Fútbol americano'),
  ('sport', 'americanfootball', 'pt-BR', 'Futebol americano'), ('sport', 'americanfootball', 'de', 'American Football'),
  ('sport', 'basketball', 'en', 'Basketball'), ('sport', 'basketball', 'es', 'Baloncesto'),
  ('sport', 'basketball', 'pt-BR', 'Basquete'), ('sport', 'basketball', 'pt', 'Basquetebol'), ('sport', 'basketball', 'de', 'Basketball'),
  ('sport', 'baseball', 'en', 'Baseball'), ('sport', 'baseball', 'es', 'Béisbol'), ('sport', 'baseball', 'pt-BR', 'Beisebol'),
  ('sport', 'baseball', 'de', 'Baseball'),
  ('sport', 'icehockey', 'en', 'Ice Hockey'), ('sport', 'icehockey', 'es', 'Hockey sobre hielo'),
  ('sport', 'icehockey', 'pt-BR', 'Hóquei no gelo'), ('sport', 'icehockey', 'de', 'Eishockey'),
  ('sport', 'soccer', 'en', 'Soccer'), ('sport', 'soccer', 'en-GB', 'Football'), ('sport', 'soccer', 'es', 'Fútbol'),
  ('sport', 'soccer', 'pt-BR', 'Futebol'), ('sport', 'soccer', 'de', 'Fußball'),
  ('sport', 'tennis', 'en', 'Tennis'), ('sport', 'tennis', 'es', 'Tenis'), ('sport', 'tennis', 'pt-BR', 'Tênis'),
  ('sport', 'tennis', 'pt', 'Ténis'), ('sport', 'tennis', 'de', 'Tennis'),
  ('sport', 'golf', 'en', 'Golf'), ('sport', 'golf', 'es', 'Golf'), ('sport', 'golf', 'pt-BR', 'Golfe'), ('sport', 'golf', 'de', 'Golf'),
  ('sport', 'mma', 'en', 'MMA'), ('sport', 'mma', 'es', 'Artes marciales mixtas'), ('sport', 'mma', 'pt-BR', 'MMA'),
  ('sport', 'mma', 'de', 'MMA'),
  ('sport', 'boxing', 'en', 'Boxing'), ('sport', 'boxing', 'es', 'Boxeo'), ('sport', 'boxing', 'pt-BR', 'Boxe'),
  ('sport', 'boxing', 'de', 'Boxen'),
  ('sport', 'cricket', 'en', 'Cricket'), ('sport', 'cricket', 'es', 'Críquet'), ('sport', 'cricket', 'pt-BR', 'Críquete'),
  ('sport', 'cricket', 'de', 'Cricket'),
  ('sport', 'rugbyunion', 'en', 'Rugby Union'), ('sport', 'rugbyunion', 'es', 'Rugby union'), ('sport', 'rugbyunion', 'pt-BR', 'Rugby union'),
  ('sport', 'rugbyunion', 'de', 'Rugby Union'),
  ('sport', 'rugbyleague', 'en', 'Rugby League'), ('sport', 'rugbyleague', 'es', 'Rugby league'), ('sport', 'rugbyleague', 'pt-BR', 'Rugby league'),
  ('sport', 'rugbyleague', 'de', 'Rugby League'),
  ('sport', 'aussierules', 'en', 'Aussie Rules'), ('sport', 'aussierules', 'es', 'Fútbol australiano'),
  ('sport', 'aussierules', 'pt-BR', 'Futebol australiano'), ('sport', 'aussierules', 'de', 'Australian Football'),
  ('sport', 'esports', 'en', 'Esports'), ('sport', 'esports', 'es', 'eSports'), ('sport', 'esports', 'pt-BR', 'eSports'),
  ('sport', 'esports', 'de', 'E-Sport'),
  ('sport', 'darts', 'en', 'Darts'), ('sport', 'darts', 'es', 'Dardos'), ('sport', 'darts', 'pt-BR', 'Dardos'),
  ('sport', 'darts', 'de', 'Darts'),
  ('region', 'international', 'es', 'Internacional'), ('region', 'international', 'pt-BR', 'Internacional'),
  ('region', 'international', 'de', 'International'),
  ('region', 'europe', 'es', 'Europa'), ('region', 'europe', 'pt-BR', 'Europa'), ('region', 'europe', 'de', 'Europa'),
  ('region', 'usa', 'es', 'EE. UU.'), ('region', 'usa', 'pt-BR', 'EUA'), ('region', 'usa', 'de', 'USA'),
  ('region', 'england', 'es', 'Inglaterra'), ('region', 'england', 'pt-BR', 'Inglaterra'), ('region', 'england', 'de', 'England'),
  ('region', 'spain', 'es', 'España'), ('region', 'spain', 'pt-BR', 'Espanha'), ('region', 'spain', 'de', 'Spanien'),
  ('region', 'italy', 'es', 'Italia'), ('region', 'italy', 'pt-BR', 'Itália'), ('region', 'italy', 'de', 'Italien'),
  ('region', 'germany', 'es', 'Alemania'), ('region', 'germany', 'pt-BR', 'Alemanha'), ('region', 'germany', 'de', 'Deutschland'),
  ('region', 'france', 'es', 'Francia'), ('region', 'france', 'pt-BR', 'França'), ('region', 'france', 'de', 'Frankreich'),
  ('region', 'netherlands', 'es', 'Países Bajos'), ('region', 'netherlands', 'pt-BR', 'Países Baixos'),
  ('region', 'netherlands', 'de', 'Niederlande'),
  ('region', 'canada', 'es', 'Canadá'), ('region', 'canada', 'pt-BR', 'Canadá'), ('region', 'canada', 'de', 'Kanada'),
  ('region', 'japan', 'es', 'Japón'), ('region', 'japan', 'pt-BR', 'Japão'), ('region', 'japan', 'de', 'Japan'),
  ('region', 'south_korea', 'es', 'Corea del Sur'), ('region', 'south_korea', 'pt-BR', 'Coreia do Sul'),
  ('region', 'south_korea', 'de', 'Südkorea'),
  ('region', 'russia', 'es', 'Rusia'), ('region', 'russia', 'pt-BR', 'Rússia'), ('region', 'russia', 'de', 'Russland'),
  ('region', 'sweden', 'es', 'Suecia'), ('region', 'sweden', 'pt-BR', 'Suécia'), ('region', 'sweden', 'de', 'Schweden'),
  ('region', 'india', 'es', 'India'), ('region', 'india', 'pt-BR', 'Índia'), ('region', 'india', 'de', 'Indien'),
  ('region', 'australia', 'es', 'Australia'), ('region', 'australia', 'pt-BR', 'Austrália'), ('region', 'australia', 'de', 'Australien'),
  ('league', 'uefa_champions_league', 'es', 'Liga de Campeones de la UEFA'),
  ('league', 'uefa_champions_league', 'pt-BR', 'Liga dos Campeões da UEFA'), ('league', 'uefa_champions_league', 'de', 'UEFA Champions League'),
  ('league', 'epl', 'es', 'Premier League'), ('league', 'epl', 'pt-BR', 'Premier League'), ('league', 'epl', 'de', 'Premier League'),
  ('league', 'six_nations', 'es', 'Seis Naciones'), ('league', 'six_nations', 'pt-BR', 'Seis Nações'),
  ('league', 'six_nations', 'de', 'Six Nations');

-- Per (kind, id): its names as {lang: name}, once, for the join below.
create view sidebar_name_sets as
select kind, id, jsonb_object_agg(lang, name order by lang) as names
from sidebar_names
group by kind, id;

comment on view sidebar_name_sets is E'Per (kind, id): its names per language as a JSON object {lang: name}.';

-- 013's rows with their names (columns added at the end: the others are unchanged).
create or replace view sidebar_rows as
select c.*, lr.region_id, rg.name as region, rg.priority as region_priority,
       sn.names as sport_names, ln.names as league_names, rn.names as region_names
from sidebar_counted_rows c
left join sidebar_league_regions lr on lr.league_id = c.league_id
left join sidebar_regions rg on rg.region_id = lr.region_id
left join sidebar_name_sets sn on sn.kind = 'sport' and sn.id = c.sport_id
left join sidebar_name_sets ln on ln.kind = 'league' and ln.id = c.league_id
left join sidebar_name_sets rn on rn.kind = 'region' and rn.id = lr.region_id;

create or replace view sidebar_source as
select sport_id, sport, league_id, league, game_count, live_game_count, next_start, sport_priority, sport_icon,
       league_priority, league_icon, sport_game_count, sport_live_game_count, sport_rank, league_rank, starts,
       region_id, region, region_priority, sport_names, league_names, region_names
from sidebar_rows
where from_events;

drop materialized view sidebar_data;

create materialized view sidebar_data as
  select sport_id, sport, league_id, league, game_count, live_game_count, next_start, sport_priority, sport_icon,
         league_priority, league_icon, sport_game_count, sport_live_game_count, sport_rank, league_rank, starts,
         region_id, region, region_priority, sport_names, league_names, region_names
  from sidebar_rows
  where not from_events
with no data;

create unique index idx_sidebar_data_sport_league on sidebar_data (sport_id, league_id);

comment on materialized view sidebar_data is E'The sidebar as of the last refresh: sidebar_league_counts ranked, with each league''s starts within 26 hours, its region and its names per language. Refresh with select refresh_sidebar_data().';

do $$
begin
  if exists (select 1 from sidebar_data_version()) then
    perform refresh_sidebar_data('startup');
  end if;
end;
$$;
