import type { Sidebar } from '../../../../src/contract/index.js';
import type { BasisRow, SidebarBasis } from '../../../../src/sidebar/hierarchy.js';
import { deriveSidebar } from '../../../../src/sidebar/variants/derive.js';
import { type Variant, variantOf } from '../../../../src/sidebar/variants/query.js';

/* The basis the variants' tests derive from: five leagues whose starts fall either side of each window's end. */
export const at = (iso: string) => Date.parse(iso) / 1000;
export const hour = 3600;
// The version's refreshed_at: the windows' reference time.
export const ref = at('2026-11-26T12:00:00Z');
export const dayAhead = ref + 24 * hour;
// Asia/Kathmandu is UTC+05:45: its 26 November ends at 18:15 UTC, not on a whole hour.
export const kathmanduMidnight = at('2026-11-26T18:15:00Z');

let rank = 0;
export function row(
  sport: string,
  league: string,
  games: number,
  live: number,
  starts: Array<[number, number]>,
  next: string | null,
  region: [string, string, number | null] | null = null,
): BasisRow {
  return {
    sport_id: sport,
    sport: sport.toUpperCase(),
    sport_icon: null,
    sport_priority: null,
    league_id: league,
    league: league.toUpperCase(),
    league_icon: null,
    league_priority: null,
    game_count: games,
    live_game_count: live,
    next_start: next,
    sport_rank: 0,
    league_rank: ++rank,
    starts,
    region_id: region?.[0] ?? null,
    region: region?.[1] ?? null,
    region_priority: region?.[2] ?? null,
    jurisdictions: {},
  };
}

/** Each league's games not live, by start: within 26 hours in `starts`, the rest later (not listed). */
export const basis: SidebarBasis = {
  source: 'materialized_view',
  refreshed_at: '2026-11-26T12:00:00Z',
  version: 3,
  names: { sport: {}, league: {}, region: {} },
  languages: [],
  jurisdictions: [],
  rows: [
    // 3 live; 5 not: 1 whose start passed (not marked live yet), 2 in an hour, 1 a second before the
    // 24 hours end, 1 exactly at their end (the next window's).
    row(
      'soccer',
      'epl',
      8,
      3,
      [
        [ref - hour, 1],
        [ref + hour, 2],
        [dayAhead - 1, 1],
        [dayAhead, 1],
      ],
      '2026-11-26T13:00:00Z',
    ),
    // 1 at 04:00 UTC tomorrow: in Los Angeles' today (until 08:00 UTC), not in UTC's; 3 later.
    row('soccer', 'mls', 4, 0, [[ref + 16 * hour, 1]], '2026-11-27T04:00:00Z'),
    row('tennis', 'atp', 5, 0, [], '2026-11-29T10:00:00Z'),
    // 1 live; 3 in two hours, 1 a second before Kathmandu's midnight, 1 exactly at it.
    row(
      'basketball',
      'nba',
      6,
      1,
      [
        [ref + 2 * hour, 3],
        [kathmanduMidnight - 1, 1],
        [kathmanduMidnight, 1],
      ],
      '2026-11-26T14:00:00Z',
    ),
    row('basketball', 'euro', 3, 2, [], '2026-11-30T18:00:00Z'),
  ],
};

/** [sport, games, live, [[league, games, live, next_start]]] of a variant. */
export function summary(sidebar: Sidebar) {
  return sidebar.sports.map((s) => [
    s.sport_id,
    s.game_count,
    s.live_game_count,
    s.leagues.map((l) => [l.league_id, l.game_count, l.live_game_count, l.next_start]),
  ]);
}

/** An ungrouped variant's sidebar. */
export const sidebarOf = (b: SidebarBasis, variant: Variant) => deriveSidebar(b, variant) as Sidebar;
export const derive = (variant: Partial<Variant>) => sidebarOf(basis, variantOf(variant));
