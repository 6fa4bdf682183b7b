import type { BasisRow, HiddenGames, SidebarBasis } from '../hierarchy.js';

/*
 * Jurisdictions: what a licensed sportsbook may show where its bettor is. The refresh computed,
 * per row, what each jurisdiction hides of it (sidebar_rows.jurisdictions); a request subtracts.
 */

/** A jurisdiction the basis does not know: the request is refused (never the unfiltered tree), with the ones it knows. */
export class UnknownJurisdictionError extends Error {
  constructor(
    readonly jurisdiction: string,
    readonly known: readonly string[],
  ) {
    super(`querystring/jurisdiction must be one of the known jurisdictions: ${known.join(', ') || '(none configured)'}`);
  }
}

/**
 * Refuses a jurisdiction the basis does not know (UnknownJurisdictionError), except over a basis
 * without rows (no open game anywhere), which every jurisdiction shows as it is: empty, and whose
 * rows name none.
 */
export function assertKnownJurisdiction(jurisdiction: string, basis: SidebarBasis): void {
  if (basis.rows.length > 0 && !basis.jurisdictions.includes(jurisdiction)) throw new UnknownJurisdictionError(jurisdiction, basis.jurisdictions);
}

/**
 * Per start time, `starts` less `hidden` (hidden games are among the league's, so a hidden
 * start is one of its starts, time drift aside), the starts left with no game dropped. In the
 * order of `starts` (a Map keeps the order keys were first set in): time order.
 */
function startsLess(starts: BasisRow['starts'], hidden: HiddenGames['starts']): BasisRow['starts'] {
  const left = new Map<number, number>();
  for (const [at, games] of starts) left.set(at, (left.get(at) ?? 0) + games);
  for (const [at, games] of hidden) left.set(at, (left.get(at) ?? 0) - games);
  // A hidden start the league's starts lack (011's time drift) must not take games off a window.
  // Stryker disable next-line EqualityOperator: a start left with no game adds nothing to a window either way.
  return [...left].filter(([, games]) => games > 0);
}

/**
 * The leagues as a jurisdiction shows them: without those its rules hide whole, and without the
 * games involving teams it bars (their counts, their starts; the next start is the next among
 * the games left). A league left with no game is left out. The hidden games were counted from
 * odds_events at the refresh, the league's from its kept counts: where time drift makes them
 * differ, counts stop at zero rather than go below.
 */
export function jurisdictionRows(rows: readonly BasisRow[], code: string): BasisRow[] {
  const kept: BasisRow[] = [];
  for (const row of rows) {
    const hidden = Object.hasOwn(row.jurisdictions, code) ? row.jurisdictions[code] : undefined;
    if (hidden === undefined) {
      kept.push(row);
      continue;
    }
    if (hidden === 'hidden') continue;
    const games = row.game_count - hidden.game_count;
    if (games <= 0) continue;
    kept.push({
      ...row,
      game_count: games,
      live_game_count: Math.min(games, Math.max(0, row.live_game_count - hidden.live_game_count)),
      next_start: hidden.next_start,
      starts: startsLess(row.starts, hidden.starts),
    });
  }
  return kept;
}
