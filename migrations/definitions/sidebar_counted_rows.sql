/*
 * A sidebar row's counts for both reads: ranked (sidebar_ranked), with its starts
 * (sidebar_league_windows). The starts are joined per source, with from_events a constant in
 * each branch: a filter on from_events then leaves the other branch of both views unread (a join
 * on w.from_events = r.from_events would not: the planner does not carry a constant into the
 * nullable side of an outer join).
 */
create view sidebar_counted_rows with (security_invoker = true) as
select true as from_events, r.sport_id, r.sport, r.league_id, r.league, r.game_count, r.live_game_count, r.next_start,
       r.sport_priority, r.sport_icon, r.league_priority, r.league_icon, r.sport_game_count, r.sport_live_game_count,
       r.sport_rank, r.league_rank, coalesce(w.starts, '[]'::jsonb) as starts
from sidebar_ranked r
left join sidebar_league_windows w on w.from_events and w.sport_id = r.sport_id and w.league_id = r.league_id
where r.from_events
union all
select false, r.sport_id, r.sport, r.league_id, r.league, r.game_count, r.live_game_count, r.next_start,
       r.sport_priority, r.sport_icon, r.league_priority, r.league_icon, r.sport_game_count, r.sport_live_game_count,
       r.sport_rank, r.league_rank, coalesce(w.starts, '[]'::jsonb)
from sidebar_ranked r
left join sidebar_league_windows w on not w.from_events and w.sport_id = r.sport_id and w.league_id = r.league_id
where not r.from_events;

comment on view sidebar_counted_rows is E'Sidebar rows ranked, with starts within sidebar_start_window(), over odds_events now (from_events) or the refreshed counts. Read with a filter on from_events.';
