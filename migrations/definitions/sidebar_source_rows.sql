/*
 * The fallback read as the service runs it: sidebar_source without JIT compilation, which at 5M
 * events compiled for 120 ms of a 250 ms read. Runs as its owner: the runtime role reads none
 * of the tables behind it. psql and operators may read the view itself.
 */
create function sidebar_source_rows() returns setof sidebar_source
language sql stable
security definer set search_path = pg_catalog, public, pg_temp
set jit = off
as $$
  select * from sidebar_source
$$;

comment on function sidebar_source_rows() is E'sidebar_source (the fallback read) without JIT compilation, which costs more than the query.';

grant execute on function sidebar_source_rows() to sidebar_runtime;
