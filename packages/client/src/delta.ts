import type { DeltaVersions, RegionSidebar, RegionSidebarDelta, RegionSport, Sidebar, SidebarDelta, Sport } from './contract.js';

/**
 * Applying the stream's deltas (the server computes them: src/stream/delta.ts in the service).
 * A delta that does not fit the sidebar held throws: the client then resynchronises (reconnects
 * without Last-Event-ID, and gets the whole sidebar).
 */

/** The sidebar a delta leads to from the one it was computed from (what a stream client does); its version is the delta's `to`. */
export function applySidebarDelta(prev: Sidebar, delta: SidebarDelta & Pick<DeltaVersions, 'to'>): Sidebar {
  const sports = new Map(prev.sports.map((s) => [s.sport_id, s]));
  for (const sport of delta.added) sports.set(sport.sport_id, sport);
  for (const change of delta.changed) {
    const old = sports.get(change.sport_id);
    if (!old) throw new Error(`delta changes sport ${change.sport_id}, which the sidebar does not have: resynchronise`);
    const { truncated, ...fields } = change.set ?? {};
    const sport: Sport = { ...old, ...fields };
    if (truncated === null) delete sport.truncated;
    else if (truncated) sport.truncated = true;
    if (change.leagues) {
      const leagues = new Map(old.leagues.map((l) => [l.league_id, l]));
      for (const league of change.leagues.upsert) leagues.set(league.league_id, league);
      sport.leagues = change.leagues.order.map((id) => {
        const league = leagues.get(id);
        if (!league) throw new Error(`delta orders league ${id} of ${change.sport_id}, which it does not carry: resynchronise`);
        return league;
      });
    }
    sports.set(change.sport_id, sport);
  }
  return assembled(sports, delta);
}

/** The sidebar a delta's order and top-level fields make of the sports held (after its changes). */
function assembled<S>(sports: Map<string, S>, delta: Omit<SidebarDelta, 'added' | 'changed'> & Pick<DeltaVersions, 'to'>) {
  return {
    sports: delta.order.map((id) => {
      const sport = sports.get(id);
      if (!sport) throw new Error(`delta orders sport ${id}, which it does not carry: resynchronise`);
      return sport;
    }),
    totals: delta.totals,
    refreshed_at: delta.refreshed_at,
    source: delta.source,
    version: delta.to,
  };
}

/** The group=region sidebar a delta leads to from the one it was computed from. */
export function applyRegionSidebarDelta(prev: RegionSidebar, delta: RegionSidebarDelta & Pick<DeltaVersions, 'to'>): RegionSidebar {
  const sports = new Map<string, RegionSport>(prev.sports.map((s) => [s.sport_id, s]));
  for (const sport of delta.added) sports.set(sport.sport_id, sport);
  return assembled(sports, delta);
}
