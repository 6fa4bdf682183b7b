import { DateTime } from 'luxon';
import { languageTagPattern, type RegionSidebar, type Sidebar, type VariantQuery } from '../contract/index.js';
import { type BasisRow, buildSidebar, groupByRegion, type HiddenGames, type SidebarBasis } from './hierarchy.js';
import type { Snapshot } from './snapshot.js';

/** The time window a request asks for (window=, and tz= for today). */
export type TimeWindow =
  | { window: 'all' }
  | { window: 'live' }
  | { window: 'next_24h' }
  /** tz: the canonical IANA name of the zone whose day ends the window. */
  | { window: 'today'; tz: string };

/**
 * What a request may ask of the sidebar beyond the full one (issue 15). group: 'region' lists
 * each sport's leagues under their regions. lang: the language of the names, a tag the basis has
 * names in (resolveLanguage); absent, the default names. jurisdiction: a code the basis knows
 * (resolveVariant), whose rules hide sports, leagues and games.
 */
export type Variant = TimeWindow & { group?: 'region'; lang?: string; jurisdiction?: string };

export const fullSidebar: Variant = { window: 'all' };

// Names only (Area/Location, UTC, Etc/GMT+5): no offsets, paths or spaces, whatever the runtime accepts.
const zoneName = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/;

/**
 * A function's results remembered by its arguments, at most `max` of them (all forgotten at once
 * when full: what is asked for again is computed again). For pure computations asked for again
 * and again with a bounded set of usual arguments but no bound on what a client may send.
 */
export function boundedMemo<A extends Array<string | number>, T>(max: number, compute: (...args: A) => T): (...args: A) => T {
  const values = new Map<string, T>();
  return (...args) => {
    // Stryker disable next-line StringLiteral: any separator no zone name or number holds keeps the keys apart.
    const key = args.join(' ');
    if (values.has(key)) return values.get(key) as T;
    const value = compute(...args);
    if (values.size >= max) values.clear();
    values.set(key, value);
    return value;
  };
}

/**
 * The zone's canonical name (Europe/London for europe/london), or null when this runtime does
 * not know it. Remembered by name: asking Intl costs a formatter (about 30 µs), and every
 * request for a today window asks twice (validation, then the variant). Bounded: there are
 * about 600 names with their aliases, but any number of spellings.
 */
export const canonicalTimeZone = boundedMemo(4096, (name: string) => (zoneName.test(name) ? intlZone(name) : null));

function intlZone(name: string): string | null {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

/** Whether `name` is a time zone the windows can use: the ajv format of the tz parameter. */
export const isTimeZone = (name: string): boolean => canonicalTimeZone(name) !== null;

/**
 * The variant a validated query asks for, in canonical form, so every spelling of one variant
 * shares its bytes: tz only for window=today (UTC by default), by its canonical name. A tz the
 * schema let through is a zone; anything else is a programming error.
 */
export function variantOf(query: VariantQuery): Variant {
  const rest = {
    ...(query.group === 'region' ? { group: 'region' as const } : {}),
    // Stryker disable next-line ConditionalExpression: canonicalLanguage(undefined) is null too; the check is for the types.
    ...(query.lang === undefined ? {} : { lang: canonicalLanguage(query.lang) ?? query.lang }),
    // Codes are upper case (ISO 3166): us-nj is US-NJ, one variant.
    ...(query.jurisdiction === undefined ? {} : { jurisdiction: query.jurisdiction.toUpperCase() }),
  };
  const window = query.window ?? 'all';
  if (window !== 'today') return { window, ...rest };
  const tz = canonicalTimeZone(query.tz ?? 'UTC');
  if (tz === null) throw new RangeError(`not a time zone: ${query.tz}`);
  return { window, tz, ...rest };
}

// The shape names are kept under (migration 014), in any case: ?lang=PT-br is pt-BR.
const languageTag = new RegExp(languageTagPattern, 'i');

/** A BCP 47 tag in its canonical case (pt-br: pt-BR), or null when it is not one. */
export function canonicalLanguage(tag: string): string | null {
  if (!languageTag.test(tag)) return null;
  try {
    return Intl.getCanonicalLocales(tag)[0] ?? null;
  } catch {
    return null;
  }
}

/** Whether `tag` is a language tag ?lang= takes: the ajv format of the lang parameter. */
export const isLanguageTag = (tag: string): boolean => canonicalLanguage(tag) !== null;

/** A tag and its prefixes, most specific first: zh-Hant-TW, zh-Hant, zh. */
function languageChain(tag: string): string[] {
  const parts = tag.split('-');
  return parts.map((_, i) => parts.slice(0, parts.length - i).join('-'));
}

/** The most specific of `requested` and its prefixes that `languages` has names in, or undefined (the default names). */
export function resolveLanguage(requested: string, languages: readonly string[]): string | undefined {
  return languageChain(requested).find((tag) => languages.includes(tag));
}

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
 * The variant a basis answers: its lang resolved against the languages the basis has names in,
 * so every language without names (an attacker may ask for thousands) is the default names'
 * one variant, and pt-BR without names of its own is pt's. A jurisdiction the basis does not
 * know throws UnknownJurisdictionError, except over a basis without rows (no open game
 * anywhere), which every jurisdiction shows as it is: empty, and whose rows name none.
 */
export function resolveVariant(variant: Variant, basis: SidebarBasis): Variant {
  const { jurisdiction } = variant;
  if (jurisdiction !== undefined && basis.rows.length > 0 && !basis.jurisdictions.includes(jurisdiction))
    throw new UnknownJurisdictionError(jurisdiction, basis.jurisdictions);
  const windowed = variant.window === 'today' ? { ...variant, tz: todayZone(variant.tz, referenceSeconds(basis)) } : variant;
  if (windowed.lang === undefined) return windowed;
  const { lang, ...rest } = windowed;
  const resolved = resolveLanguage(lang, basis.languages);
  return resolved === undefined ? rest : { ...rest, lang: resolved };
}

/**
 * The zone a today window counted from `refSeconds` answers as: every zone whose day ends at
 * the same instant gives the same sidebar, so they are one variant, with one key, one set of
 * bytes and one CDN tag. Etc/GMT∓N (UTC, for UTC+0) stands for the zones at a whole-hour
 * offset whose day ends when its does (New York in winter is Etc/GMT+5; a zone whose clocks
 * change before midnight keeps its own name); a zone at a fractional offset (India, Nepal,
 * Newfoundland) is its own. About 40 variants where there were over 400 zones.
 */
// Bounded: a version's reference time with each zone asked for (a few hundred names), then the next version's.
export const todayZone = boundedMemo(2048, (tz: string, refSeconds: number): string => {
  const offsetMinutes = DateTime.fromSeconds(refSeconds, { zone: tz }).offset;
  // Stryker disable next-line ConditionalExpression: a shortcut; a fractional offset names no Etc zone, whose day end (NaN) equals none.
  if (offsetMinutes % 60 !== 0) return tz;
  const hours = offsetMinutes / 60;
  // POSIX signs: Etc/GMT+5 is five hours behind UTC.
  // Stryker disable next-line EqualityOperator: hours is not 0 in that branch.
  const fixed = hours === 0 ? 'UTC' : `Etc/GMT${hours > 0 ? '-' : '+'}${Math.abs(hours)}`;
  return dayEnd(fixed, refSeconds) === dayEnd(tz, refSeconds) ? fixed : tz;
});

/**
 * A variant's canonical form, as a query string: '' for the full sidebar. The key of its bytes
 * in this process, and the suffix of its CDN tag (sidebar:window=live).
 */
export function variantKey(variant: Variant): string {
  const parts: string[] = [];
  if (variant.window === 'today') parts.push(`window=today&tz=${variant.tz}`);
  else if (variant.window !== 'all') parts.push(`window=${variant.window}`);
  if (variant.group === 'region') parts.push('group=region');
  if (variant.lang !== undefined) parts.push(`lang=${variant.lang}`);
  if (variant.jurisdiction !== undefined) parts.push(`jurisdiction=${variant.jurisdiction}`);
  return parts.join('&');
}

/**
 * Where a time window ends, in epoch seconds, counted from `refSeconds` (the version's
 * refreshed_at, so every instance derives the same bytes for a version): 24 hours later, or
 * the start of the next calendar day in the zone (luxon: a day of 23 or 25 hours, a midnight
 * that DST skips). live is the window that ends before any game not yet live starts.
 */
export function windowEnd(variant: Exclude<TimeWindow, { window: 'all' }>, refSeconds: number): number {
  if (variant.window === 'live') return Number.NEGATIVE_INFINITY;
  if (variant.window === 'next_24h') return refSeconds + 24 * 3600;
  return dayEnd(variant.tz, refSeconds);
}

/**
 * When the calendar day of `refSeconds` ends in `tz`, in epoch seconds. Remembered: luxon's
 * calendar arithmetic costs tens of microseconds, and a version's windows ask for the same ends
 * again and again (bounded: a version's reference time with each zone asked for, then the next's).
 */
const dayEnd = boundedMemo(4096, (tz: string, refSeconds: number) =>
  DateTime.fromSeconds(refSeconds, { zone: tz }).startOf('day').plus({ days: 1 }).toSeconds(),
);

/** The windows' reference time: the version's refreshed_at; for a basis without one (a view populated by hand), now. */
function referenceSeconds(basis: SidebarBasis): number {
  return basis.refreshed_at !== null ? Date.parse(basis.refreshed_at) / 1000 : Math.floor(Date.now() / 1000);
}

/**
 * A league in a window ending at `end`: its live games, and its games not yet live that start
 * before the end (a start exactly at the end is the next window's); its next start if it is
 * before the end. Leagues with nothing in the window are left out.
 */
function windowRows(rows: readonly BasisRow[], end: number): BasisRow[] {
  const kept: BasisRow[] = [];
  for (const row of rows) {
    let games = row.live_game_count;
    for (const [at, count] of row.starts) {
      if (at >= end) break; // in time order
      games += count;
    }
    if (games === 0) continue;
    // Stryker disable next-line ConditionalExpression: Date.parse(null) is NaN, never below the end; the check says so for the reader.
    const next = row.next_start !== null && Date.parse(row.next_start) / 1000 < end ? row.next_start : null;
    kept.push({ ...row, game_count: games, next_start: next });
  }
  return kept;
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
 * odds_events at the refresh, the league's from its counts (011): where time drift makes them
 * differ, counts stop at zero rather than go below.
 */
function jurisdictionRows(rows: readonly BasisRow[], code: string): BasisRow[] {
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

/**
 * The sidebar of a variant, from the basis of one version (pure: the basis is not changed).
 * Built by the rules of the full sidebar (hierarchy.ts) from the leagues the jurisdiction shows
 * and the window holds, with their counts there: sports' counts are their leagues' sums, and a
 * sport cut at 100 leagues lists the first 100 left. Order is the full sidebar's, so a sport does
 * not move between one window, or one jurisdiction, and another.
 */
export function deriveSidebar(basis: SidebarBasis, variant: Variant): Sidebar | RegionSidebar {
  let rows = shapedRows(basis, variant.jurisdiction, variant.lang);
  if (variant.window !== 'all') {
    rows = windowRows(rows, windowEnd(variant, referenceSeconds(basis)));
  }
  const sidebar = buildSidebar({ ...basis, rows });
  return variant.group === 'region' ? groupByRegion(sidebar, rows) : sidebar;
}

/**
 * The rows a jurisdiction shows, named in a language: what every variant of that pair starts
 * from, whatever its window or grouping. Shared across the variants of one version (the basis),
 * and dropped with it.
 */
function shapedRows(basis: SidebarBasis, jurisdiction: string | undefined, lang: string | undefined): BasisRow[] {
  // Stryker disable next-line ConditionalExpression: a shortcut; the cache below answers the rows themselves for neither.
  if (jurisdiction === undefined && lang === undefined) return basis.rows;
  let byPair = shaped.get(basis);
  // Stryker disable next-line ConditionalExpression: a cache; a new one for every call derives the same rows.
  if (!byPair) {
    byPair = new Map();
    shaped.set(basis, byPair);
  }
  // Stryker disable next-line StringLiteral: any stand-in for an absent one that is neither a code nor a tag keeps the pairs apart.
  const key = `${jurisdiction ?? ''} ${lang ?? ''}`;
  let rows = byPair.get(key);
  // Stryker disable next-line ConditionalExpression: a cache; deriving the rows again gives the same rows.
  if (!rows) {
    // Stryker disable next-line ConditionalExpression: jurisdictionRows(rows, undefined) keeps every row (no jurisdiction is undefined); the check spares the copy.
    rows = jurisdiction === undefined ? basis.rows : jurisdictionRows(basis.rows, jurisdiction);
    if (lang !== undefined) rows = translatedRows({ ...basis, rows }, languageChain(lang));
    byPair.set(key, rows);
  }
  return rows;
}
// Per version, at most (jurisdictions + 1) × (languages + 1) row lists; a basis no longer read takes its lists with it.
const shaped = new WeakMap<SidebarBasis, Map<string, BasisRow[]>>();

/** A name in the first language of `chain` it has, or the default name. */
function nameIn(names: Record<string, Record<string, string>>, id: string | null, chain: readonly string[], fallback: string): string;
function nameIn(names: Record<string, Record<string, string>>, id: string | null, chain: readonly string[], fallback: string | null): string | null;
function nameIn(names: Record<string, Record<string, string>>, id: string | null, chain: readonly string[], fallback: string | null): string | null {
  // Own keys only: a parsed basis's objects have a prototype, and an id may be toString.
  // Stryker disable next-line ConditionalExpression,LogicalOperator: what an own-key miss finds instead (a prototype, a function) has no own language key either; the check says so for the reader.
  const set = id !== null && Object.hasOwn(names, id) ? names[id] : undefined;
  for (const tag of chain) if (set && Object.hasOwn(set, tag)) return set[tag] as string;
  return fallback;
}

/** The rows with their sport, league and region names in the language `chain` resolves to, name by name. */
function translatedRows({ rows, names }: SidebarBasis, chain: readonly string[]): BasisRow[] {
  return rows.map((row) => ({
    ...row,
    sport: nameIn(names.sport, row.sport_id, chain, row.sport),
    league: nameIn(names.league, row.league_id, chain, row.league),
    region: nameIn(names.region, row.region_id, chain, row.region),
  }));
}

/** What variants are derived from: the full sidebar's bytes and the basis of the same version. */
export interface VariantBase {
  snapshot: Snapshot;
  basis: SidebarBasis;
}

interface Built {
  /** The full sidebar's bytes of the basis this variant was derived from: a variant of an older version is never served. */
  full: Snapshot;
  snapshot: Snapshot;
  /** When it was last used (a counter): the least recently used is dropped when the store is full. */
  used: number;
}

/**
 * This process's pre-built variants, at most `max` (least recently used evicted), each tied to
 * the full snapshot it was derived from, so one refresh updates them all: once the full copy is
 * replaced, the next request derives the variant again (once). The hot path finds them by the
 * request's raw URL, remembered (up to 4 × max URLs) when the route answered that URL.
 */
export function createVariantStore(options: { max: number; build: (base: VariantBase, variant: Variant, key: string) => Snapshot }) {
  const byKey = new Map<string, Built>();
  const keyOfUrl = new Map<string, string>();
  const maxUrls = options.max * 4;
  // A use is one integer write, cheap enough for the hot path; finding the least recently used
  // costs a scan, only when a new variant is built into a full store.
  let clock = 0;

  function evictLeastRecentlyUsed(): void {
    let oldest: string | null = null;
    let oldestUse = Number.POSITIVE_INFINITY;
    for (const [key, built] of byKey) {
      // Stryker disable next-line EqualityOperator: uses are distinct counter values, so < and <= pick the same one.
      if (built.used < oldestUse) {
        oldest = key;
        oldestUse = built.used;
      }
    }
    byKey.delete(oldest as string);
  }

  return {
    /**
     * The variant's bytes for this version, built now if they are not yet (`beforeBuild` is
     * called first, and may refuse by throwing); remembers `url` for the hot path.
     */
    get(base: VariantBase, variant: Variant, url?: string, beforeBuild?: () => void): Snapshot {
      const key = variantKey(variant);
      const full = base.snapshot;
      let built = byKey.get(key);
      if (built?.full !== full) {
        beforeBuild?.();
        built = { full, snapshot: options.build(base, variant, key), used: 0 };
        if (!byKey.has(key) && byKey.size >= options.max) evictLeastRecentlyUsed();
        byKey.set(key, built);
      }
      built.used = ++clock;
      if (url !== undefined) {
        // The most recently answered URLs are kept.
        keyOfUrl.delete(url);
        keyOfUrl.set(url, key);
        if (keyOfUrl.size > maxUrls) keyOfUrl.delete(keyOfUrl.keys().next().value as string);
      }
      return built.snapshot;
    },

    /** The hot path's lookup: the bytes for a URL the route answered before, if derived from this full snapshot. No I/O, no allocation. */
    peek(url: string, full: Snapshot): Snapshot | null {
      const key = keyOfUrl.get(url);
      // Stryker disable next-line ConditionalExpression: byKey holds no undefined key, so the lookup below answers the same; the check is for the types.
      if (key === undefined) return null;
      const built = byKey.get(key);
      if (built?.full !== full) return null;
      built.used = ++clock;
      return built.snapshot;
    },

    size: () => ({ variants: byKey.size, urls: keyOfUrl.size }),
  };
}

export type VariantStore = ReturnType<typeof createVariantStore>;
