/*
 * How far ahead the sidebar lists each league's starts: 26 hours. Every time window the service
 * offers ends within it (the next 24 hours; a calendar day, which ends at most 25 hours ahead
 * on a day that daylight saving lengthens), with an hour to spare whatever the service's
 * reference time (the version's refreshed_at, a moment after the refresh's now()). The windows
 * the service derives from the starts are in src/sidebar/variants/windows.ts.
 *
 * Immutable and bound at creation (begin atomic), so the planner inlines it as a constant.
 */
create function sidebar_start_window() returns interval
language sql immutable
begin atomic
  select interval '26 hours';
end;

comment on function sidebar_start_window() is E'How far ahead the sidebar lists each league''s starts (26 hours).';
