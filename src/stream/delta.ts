import type { League, RegionSidebar, RegionSidebarDelta, Sidebar, SidebarDelta, Sport, SportChange, SportFields } from '../contract/index.js';

// Applying a delta is the client's part: applySidebarDelta and applyRegionSidebarDelta are in
// packages/client (src/delta.ts), which the tests use against these.

const sportFields = ['sport', 'icon', 'priority', 'game_count', 'live_game_count'] as const;

const sameLeague = (a: League, b: League) =>
  a.league === b.league &&
  a.icon === b.icon &&
  a.priority === b.priority &&
  a.game_count === b.game_count &&
  a.live_game_count === b.live_game_count &&
  a.next_start === b.next_start &&
  a.region === b.region;

const sameOrder = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((id, i) => id === b[i]);

/** The change of one sport present in both, or null when it did not change. */
function sportChange(prev: Sport, next: Sport): SportChange | null {
  const set: SportFields = {};
  let any = false;
  for (const field of sportFields) {
    if (prev[field] !== next[field]) {
      (set as Record<string, unknown>)[field] = next[field];
      any = true;
    }
  }
  if (prev.truncated !== next.truncated) {
    set.truncated = next.truncated ?? null;
    any = true;
  }
  const before = new Map(prev.leagues.map((l) => [l.league_id, l]));
  const upsert = next.leagues.filter((l) => {
    const old = before.get(l.league_id);
    return !old || !sameLeague(old, l);
  });
  const order = next.leagues.map((l) => l.league_id);
  const leaguesChanged =
    upsert.length > 0 ||
    !sameOrder(
      order,
      prev.leagues.map((l) => l.league_id),
    );
  if (!any && !leaguesChanged) return null;
  return {
    sport_id: next.sport_id,
    ...(any ? { set } : {}),
    ...(leaguesChanged ? { leagues: { order, upsert } } : {}),
  };
}

/**
 * The delta from one sidebar to the next, computed once per new version and sent to every
 * stream client: the sports added in full, the changed ones as the fields and leagues that
 * changed, and the new order (what is not in it is gone).
 */
export function sidebarDelta(prev: Sidebar, next: Sidebar): SidebarDelta {
  const before = new Map(prev.sports.map((s) => [s.sport_id, s]));
  const added: Sport[] = [];
  const changed: SportChange[] = [];
  for (const sport of next.sports) {
    const old = before.get(sport.sport_id);
    if (!old) {
      added.push(sport);
      continue;
    }
    const change = sportChange(old, sport);
    if (change) changed.push(change);
  }
  return {
    order: next.sports.map((s) => s.sport_id),
    added,
    changed,
    totals: next.totals,
    refreshed_at: next.refreshed_at,
    source: next.source,
  };
}

/**
 * The delta of a group=region sidebar: the sports new or changed in any way, whole (a region's
 * counts change with any of its leagues', so a finer delta would save little), and the order.
 */
export function regionSidebarDelta(prev: RegionSidebar, next: RegionSidebar): RegionSidebarDelta {
  // Both are parsed from bytes built by one serializer: a sport unchanged has the same JSON.
  const before = new Map(prev.sports.map((s) => [s.sport_id, JSON.stringify(s)]));
  return {
    order: next.sports.map((s) => s.sport_id),
    added: next.sports.filter((sport) => before.get(sport.sport_id) !== JSON.stringify(sport)),
    changed: [],
    totals: next.totals,
    refreshed_at: next.refreshed_at,
    source: next.source,
  };
}
