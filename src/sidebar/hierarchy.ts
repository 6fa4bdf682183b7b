import { type Static, Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { type Region, type RegionSidebar, type Sidebar, SidebarOrigin, type Sport } from '../contract/index.js';
import type { SidebarRow } from './repository.js';

/*
 * Rows to response, pure: the basis (its schema, built from the database's rows, parsed back from
 * the shared cache) and the sidebar built from it, flat or by region. One module because the basis
 * is what both directions share; its schema is the cache's format.
 */

const NullableString = Type.Union([Type.String(), Type.Null()]);
const NullableInteger = Type.Union([Type.Integer(), Type.Null()]);
/** [epoch seconds, games], in time order. */
const Starts = Type.Array(Type.Tuple([Type.Integer(), Type.Integer()]));

/** The games of a league a jurisdiction's team rules hide (sidebar_hidden_leagues). */
export const HiddenGames = Type.Object({
  game_count: Type.Integer(),
  live_game_count: Type.Integer(),
  /** The league's next start among the games the jurisdiction still shows, in ISO seconds. */
  next_start: NullableString,
  /** The hidden games not yet live by start within 26 hours. */
  starts: Starts,
});
export type HiddenGames = Static<typeof HiddenGames>;

/** A league's row as every instance keeps it: the database's row, its next start in ISO seconds, its names moved to the basis's. */
export const BasisRow = Type.Object({
  sport_id: Type.String(),
  sport: Type.String(),
  sport_icon: NullableString,
  sport_priority: NullableInteger,
  league_id: Type.String(),
  league: Type.String(),
  league_icon: NullableString,
  league_priority: NullableInteger,
  game_count: Type.Integer(),
  live_game_count: Type.Integer(),
  next_start: NullableString,
  sport_rank: Type.Integer(),
  league_rank: Type.Integer(),
  /** Games not yet live by start within 26 hours: [epoch seconds, games], in time order (sidebar_league_windows). */
  starts: Starts,
  region_id: NullableString,
  region: NullableString,
  region_priority: NullableInteger,
  /** Per jurisdiction that hides anything of the league: 'hidden' (all of it) or the games it hides (sidebar_rows). */
  jurisdictions: Type.Record(Type.String(), Type.Union([Type.Literal('hidden'), HiddenGames])),
});
export type BasisRow = Static<typeof BasisRow>;

/** id → {lang: name} */
const NameSets = Type.Record(Type.String(), Type.Record(Type.String(), Type.String()));

/**
 * What every answer of one version is built from (the full sidebar and its variants), and what
 * the shared cache holds per version: the ranked rows, with what the variants need and the full
 * sidebar's body does not carry (each league's starts within 26 hours, its region, the names per
 * language). Plain JSON, so every instance that reads it builds the same bytes.
 */
export const SidebarBasis = Type.Object({
  source: SidebarOrigin,
  /** When the data was counted (the version's refresh), in ISO seconds: the body's refreshed_at, and the windows' reference time. */
  refreshed_at: NullableString,
  /** The refresh that made it (the body's version), or null for the fallback. */
  version: NullableInteger,
  /** In sidebar order (sport_rank, then league_rank). */
  rows: Type.Array(BasisRow),
  /** Names per language, once per sport, league and region (sidebar_names; the rows' are the default names). */
  names: Type.Object({ sport: NameSets, league: NameSets, region: NameSets }),
  /** The languages any name is in, sorted: what ?lang= can resolve to. */
  languages: Type.Array(Type.String()),
  /** The jurisdictions known when the rows were counted, sorted: what ?jurisdiction= can name. */
  jurisdictions: Type.Array(Type.String()),
});
export type SidebarBasis = Static<typeof SidebarBasis>;
export type BasisNames = SidebarBasis['names'];

const basisCheck = TypeCompiler.Compile(SidebarBasis);

/** A basis from its JSON (the shared cache's), checked whole: anything else throws, saying where it is wrong. */
export function parseBasis(text: string): SidebarBasis {
  const value: unknown = JSON.parse(text);
  if (!basisCheck.Check(value)) {
    // A failed Check() has a first error.
    const first = basisCheck.Errors(value).First() as { path: string; message: string };
    throw new Error(`not a sidebar basis: ${first.path || '/'} ${first.message}`);
  }
  return value;
}

/** ISO 8601 to the second: the sidebar never needs milliseconds, and every byte is sent a lot. */
function isoSeconds(date: Date | null): string | null {
  return date ? `${date.toISOString().slice(0, 19)}Z` : null;
}

/** What each jurisdiction hides of a row, without the jurisdictions that hide nothing; `known` gains every jurisdiction named. */
function hiddenOf(jurisdictions: SidebarRow['jurisdictions'], known: Set<string>): BasisRow['jurisdictions'] {
  const hidden: BasisRow['jurisdictions'] = {};
  for (const [code, what] of Object.entries(jurisdictions)) {
    known.add(code);
    if (what === null) continue;
    hidden[code] = what === 'hidden' ? what : { ...what, next_start: what.next_start === null ? null : isoSeconds(new Date(what.next_start * 1000)) };
  }
  return hidden;
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
 * The database's rows as a basis: in sidebar order (the ranks encode the ordering rules, see
 * sidebar_ranked), dates in ISO seconds, the names per language, which every row of a sport or
 * region repeats, kept once, and per row only the jurisdictions that hide something of it (every
 * row names them all: their list is kept once).
 */
export function basisOf(rows: readonly SidebarRow[], meta: { source: SidebarOrigin; refreshedAt: Date | null; version: number | null }): SidebarBasis {
  // Without a prototype: an id such as __proto__ (hostile data) is a key like any other.
  const names: BasisNames = { sport: Object.create(null), league: Object.create(null), region: Object.create(null) };
  const languages = new Set<string>();
  const jurisdictions = new Set<string>();
  const keep = (kind: keyof BasisNames, id: string | null, set: Record<string, string> | null) => {
    // Stryker disable next-line ConditionalExpression: a row's names are null when its id is (sidebar_rows joins them on it); the check is for the types.
    if (id === null || set === null) return;
    names[kind][id] = set;
    for (const lang of Object.keys(set)) languages.add(lang);
  };
  const basisRows = [...rows].sort(byRank).map(({ sport_names, league_names, region_names, ...row }) => {
    keep('sport', row.sport_id, sport_names);
    keep('league', row.league_id, league_names);
    keep('region', row.region_id, region_names);
    return { ...row, next_start: isoSeconds(row.next_start), jurisdictions: hiddenOf(row.jurisdictions, jurisdictions) };
  });
  return {
    source: meta.source,
    refreshed_at: isoSeconds(meta.refreshedAt),
    version: meta.version,
    rows: basisRows,
    names,
    languages: [...languages].sort(),
    jurisdictions: [...jurisdictions].sort(),
  };
}

/**
 * Turns a basis's flat (sport, league) rows, in sidebar order, into the sidebar: sports, each
 * with its leagues. A sport's counts are the sums of its leagues', so the two can never disagree.
 */
export function buildSidebar({ rows, source, refreshed_at, version }: SidebarBasis): Sidebar {
  const sports: Sport[] = [];
  const bySportId = new Map<string, Sport>();

  for (const row of rows) {
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
      next_start: row.next_start,
      region: row.region,
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
    refreshed_at,
    source,
    version,
  };
}

/**
 * Regions in order: by priority, then live games, games, name and id, as leagues are ranked
 * (sidebar_ranked). Every region has a priority (sidebar_regions); the leagues without one (priority null)
 * come last of all.
 */
function byRegionRank(a: Region, b: Region): number {
  return (
    (a.priority ?? Number.MAX_SAFE_INTEGER) - (b.priority ?? Number.MAX_SAFE_INTEGER) ||
    b.live_game_count - a.live_game_count ||
    b.game_count - a.game_count ||
    String(a.region).localeCompare(String(b.region)) ||
    String(a.region_id).localeCompare(String(b.region_id))
  );
}

/**
 * group=region: each sport of a sidebar built from `rows` with its leagues under their regions.
 * A region's counts are the sums of its leagues' among `rows` (every league of the sport, also
 * those a list cut at 100 does not show, as the sport's are); its leagues keep the sidebar's
 * order; a region none of whose leagues is listed is left out.
 */
export function groupByRegion(sidebar: Sidebar, rows: readonly BasisRow[]): RegionSidebar {
  const regionsBySport = new Map<string, Map<string | null, Region>>();
  const regionOfLeague = new Map<string, string | null>();
  for (const row of rows) {
    let regions = regionsBySport.get(row.sport_id);
    if (!regions) {
      regions = new Map();
      regionsBySport.set(row.sport_id, regions);
    }
    let region = regions.get(row.region_id);
    if (!region) {
      region = { region_id: row.region_id, region: row.region, priority: row.region_priority, game_count: 0, live_game_count: 0, leagues: [] };
      regions.set(row.region_id, region);
    }
    region.game_count += row.game_count;
    region.live_game_count += row.live_game_count;
    regionOfLeague.set(`${row.sport_id}\u0000${row.league_id}`, row.region_id);
  }
  return {
    ...sidebar,
    sports: sidebar.sports.map(({ leagues, truncated, ...sport }) => {
      const regions = regionsBySport.get(sport.sport_id) as Map<string | null, Region>;
      // Every listed league is one of the rows: its region is there.
      for (const league of leagues)
        (regions.get(regionOfLeague.get(`${sport.sport_id}\u0000${league.league_id}`) as string | null) as Region).leagues.push(league);
      const listed = [...regions.values()].filter((region) => region.leagues.length > 0).sort(byRegionRank);
      return truncated ? { ...sport, regions: listed, truncated } : { ...sport, regions: listed };
    }),
  };
}
