/*
 * Per league, from odds_events now (the fallback read): its starts within sidebar_start_window()
 * as a JSON array [[epoch seconds, games], ...] (sidebar_start_entry()) in time order. The rows
 * a refresh keeps build theirs from sidebar_league_starts, per league
 * (sidebar_league_row_source).
 */
create view sidebar_league_windows with (security_invoker = true) as
select
  sport_id,
  league_id,
  to_jsonb(array_agg(sidebar_start_entry(commence_time, game_count) order by commence_time)) as starts
from sidebar_league_start_source
where commence_time < now() + sidebar_start_window()
group by sport_id, league_id;

comment on view sidebar_league_windows is E'Per league: the counted games not yet live starting within sidebar_start_window(), as [[epoch seconds, games], …], from odds_events now.';
