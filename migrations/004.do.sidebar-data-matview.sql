/*
 * sidebar_data: the precomputed sidebar that the API reads.
 *
 * It is a snapshot of sidebar_source taken by refresh_sidebar_data() (005). It is created
 * empty ("with no data") so that this migration stays instant on a large odds_events table;
 * until the first refresh the service serves the same aggregation straight from
 * sidebar_source (the fallback).
 *
 * The unique index on (sport_id, league_id) is what allows REFRESH ... CONCURRENTLY, which
 * rebuilds the snapshot without blocking readers.
 */
create materialized view sidebar_data as
  select * from sidebar_source
with no data;

create unique index idx_sidebar_data_sport_league on sidebar_data (sport_id, league_id);

comment on materialized view sidebar_data is E'Snapshot of sidebar_source; refresh with select refresh_sidebar_data().';
