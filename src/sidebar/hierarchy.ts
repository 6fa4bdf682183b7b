import type { Sidebar, SidebarOrigin, Sport } from '../contract/index.js';
import type { SidebarRow } from './repository.js';

/** ISO 8601 to the second: the sidebar never needs milliseconds, and every byte is sent a lot. */
function isoSeconds(date: Date | null): string | null {
  return date ? `${date.toISOString().slice(0, 19)}Z` : null;
}

function byRank(a: SidebarRow, b: SidebarRow): number {
  return a.sport_rank - b.sport_rank || a.league_rank - b.league_rank;
}

/**
 * Most leagues listed under one sport: the first ones in sidebar order. A real sportsbook has a
 * few dozen at most (soccer); more means hostile or broken data, which must not bloat every
 * page's sidebar.
 */
export const maxLeaguesPerSport = 100;

/**
 * Turns flat (sport, league) rows into the sidebar: sports in sport_rank order, each with its
 * leagues in league_rank order (the ranks encode the ordering rules, see migration 003).
 * A sport's counts are the sums of its leagues', so the two can never disagree.
 */
export function buildSidebar(rows: readonly SidebarRow[], meta: { source: SidebarOrigin; refreshedAt: Date | null }): Sidebar {
  const sports: Sport[] = [];
  const bySportId = new Map<string, Sport>();

  for (const row of [...rows].sort(byRank)) {
    let sport = bySportId.get(row.sport_id);
    if (!sport) {
      sport = {
        sport_id: row.sport_id,
        sport: row.sport,
        icon: row.sport_icon,
        priority: row.sport_priority,
        game_count: 0,
        live_game_count: 0,
        leagues: [],
      };
      bySportId.set(row.sport_id, sport);
      sports.push(sport);
    }
    sport.game_count += row.game_count;
    sport.live_game_count += row.live_game_count;
    if (sport.leagues.length >= maxLeaguesPerSport) {
      // The sport's counts still include every league; only the list is cut, and says so.
      sport.truncated = true;
      continue;
    }
    sport.leagues.push({
      league_id: row.league_id,
      league: row.league,
      icon: row.league_icon,
      priority: row.league_priority,
      game_count: row.game_count,
      live_game_count: row.live_game_count,
      next_start: isoSeconds(row.next_start),
    });
  }

  return {
    sports,
    totals: {
      sports: sports.length,
      leagues: rows.length,
      game_count: sports.reduce((n, s) => n + s.game_count, 0),
      live_game_count: sports.reduce((n, s) => n + s.live_game_count, 0),
    },
    refreshed_at: isoSeconds(meta.refreshedAt),
    source: meta.source,
  };
}
