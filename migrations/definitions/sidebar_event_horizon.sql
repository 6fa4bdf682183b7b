/*
 * The event horizon: events that start later than now() + this are not counted (a feed's typo,
 * year 2999, or hostile data). Operators set it in sidebar_settings:
 *
 *   update sidebar_settings set event_horizon = interval '90 days';
 *
 * Views read it as (select sidebar_event_horizon()): an uncorrelated subquery, evaluated once
 * per statement, not once per event.
 */
create function sidebar_event_horizon() returns interval
language sql stable
begin atomic
  select event_horizon from sidebar_settings where id;
end;

comment on function sidebar_event_horizon() is E'sidebar_settings.event_horizon: events starting later than now() + it are not counted.';
