/*
 * Feeds do not all know an event's status. Optic Odds says it; a scores record of The Odds API
 * says whether a game is completed; but an odds or events record of The Odds API carries no
 * status at all, so the importer infers one from the start time (live for a few hours after
 * the start, presumed completed after that).
 *
 * status_inferred marks such guesses. A guess never overwrites a status a feed stated as final
 * (completed or cancelled): importing an odds file after the scores file that completed its
 * games must not bring them back to life. See the upsert in src/events/writer.ts.
 */
alter table odds_events
  add column status_inferred boolean not null default false;

comment on column odds_events.status_inferred is
  E'True when the importer inferred status from commence_time rather than reading it from the feed.';
