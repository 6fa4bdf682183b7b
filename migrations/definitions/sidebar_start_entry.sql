/*
 * One start in a league's starts: [epoch seconds, games], as sidebar rows carry them (starts, and
 * each jurisdiction's hidden starts). Epoch seconds, rounded down: a window ends on a whole
 * second, and t < end holds for floor(t) exactly when it holds for t. Bound at creation
 * (begin atomic), so callers inline it.
 */
create function sidebar_start_entry(p_commence_time timestamptz, p_games integer)
returns jsonb
language sql stable
begin atomic
  select jsonb_build_array(floor(extract(epoch from p_commence_time))::bigint, p_games);
end;

comment on function sidebar_start_entry(timestamptz, integer) is E'One entry of a league''s starts: [epoch seconds, games].';
