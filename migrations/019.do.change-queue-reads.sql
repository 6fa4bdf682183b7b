/*
 * Reading the change records' queue without walking what was consumed. sidebar_changes is a
 * queue: writes append, every refresh deletes what it applied, and autovacuum visits a table at
 * most once a minute, so at 1,000 writes a second it holds about 100,000 dead rows between
 * visits, at the start of the heap (the waiting rows are the newest, at its end). A sequential
 * scan for "is anything waiting" or "is a rebuild marked" walks them all: 0.6-1.7 ms a call at
 * 40,000 dead rows, measured at 5M events, and the change trigger now asks the first of those
 * on every write. Through the primary key backwards the newest row comes first (0.16-0.35 ms
 * with the same dead rows); the rebuild markers (records with no league, from configuration
 * changes) get a partial index of their own, empty nearly always.
 */
create index sidebar_changes_rebuild on sidebar_changes (id) where sport_id is null;
