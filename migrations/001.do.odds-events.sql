/*
 * odds_events: every sporting event the platform can offer odds on, one row per event.
 *
 * It is written by feeds and generators and read only through the sidebar aggregation
 * (sidebar_source, 003). Rows are upserted by id, so the feed's own id is the key.
 * Finished events (completed, cancelled, postponed) stay here as history; the aggregation
 * ignores them, and the partial index below lets it skip them without scanning.
 */
create table odds_events (
  id            text primary key,
  sport_id      text not null check (sport_id <> ''),     -- slug, e.g. 'basketball'
  sport         text not null check (sport <> ''),        -- display name, e.g. 'Basketball'
  league_id     text not null check (league_id <> ''),    -- slug, e.g. 'nba' or 'basketball_nba'
  league        text not null check (league <> ''),       -- display name, e.g. 'NBA'
  home_team     text,
  away_team     text,
  commence_time timestamptz not null,
  status        text not null default 'scheduled'
                check (status in ('scheduled', 'live', 'completed', 'cancelled', 'postponed')),
  source        text not null default 'manual',           -- which feed or tool wrote the row
  created_at    timestamptz not null default now(),
  updated_at    timestamptz not null default now()
);

comment on table odds_events is E'Events that feed the sidebar. Only scheduled and live events are ever shown.';
comment on column odds_events.status is E'scheduled | live | completed | cancelled | postponed';

/*
 * Only scheduled and live events can be open (see 003), and they are a small, bounded share of
 * a table whose finished history grows forever. Indexing just them keeps the aggregation's
 * cost proportional to what the sidebar can show.
 */
create index idx_odds_events_open
  on odds_events (sport_id, league_id, commence_time)
  where status in ('scheduled', 'live');

-- Keep updated_at truthful whoever updates the row (feeds, operators, psql).
create function tg_odds_events__set_updated_at() returns trigger
language plpgsql volatile as $$
begin
  new.updated_at := now();
  return new;
end;
$$;

create trigger _100_set_updated_at
  before update on odds_events
  for each row execute function tg_odds_events__set_updated_at();
