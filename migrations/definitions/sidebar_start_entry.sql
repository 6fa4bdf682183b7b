/*
 * One start in a league's starts: {epoch seconds, games}, as sidebar rows carry them (starts, and
 * each jurisdiction's hidden starts), aggregated by the callers as
 * to_jsonb(array_agg(sidebar_start_entry(t, n) order by t)): the JSON [[epoch seconds, games], ...].
 *
 * An array, not a JSON value per entry: a change-driven refresh rebuilds every touched league's
 * starts, and at 5M events (44 leagues, 3,000 starts within the window) jsonb_agg over
 * jsonb_build_array() took 7.0 ms where to_jsonb(array_agg(array[...])) takes 3.0, the same JSON.
 * Epoch seconds, rounded down: a window ends on a whole second, and t < end holds for floor(t)
 * exactly when it holds for t. date_part() (double precision) rather than extract() (numeric,
 * three times slower to floor): at microsecond resolution and today's epochs a double keeps
 * every microsecond, so the floor is the same. Bound at creation (begin atomic), so callers
 * inline it.
 */
create function sidebar_start_entry(p_commence_time timestamptz, p_games integer)
returns bigint[]
language sql stable
begin atomic
  select array[floor(date_part('epoch', p_commence_time))::bigint, p_games::bigint];
end;

comment on function sidebar_start_entry(timestamptz, integer) is E'One entry of a league''s starts: {epoch seconds, games}; aggregated with to_jsonb(array_agg(...)).';
