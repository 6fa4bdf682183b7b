import type { League, Sidebar, SidebarWindow, Sport } from '../contract/index.js';
import type { Snapshot } from './snapshot.js';

/** What a request may ask of the sidebar beyond the full one (issue 15: more to come: tz, lang, region, jurisdiction). */
export interface Variant {
  window: SidebarWindow;
}

export const fullSidebar: Variant = { window: 'all' };

/**
 * A variant's canonical form, as a query string: '' for the full sidebar. The key of its bytes
 * in this process, and the suffix of its CDN tag (sidebar:window=live).
 */
export function variantKey(variant: Variant): string {
  return variant.window === 'all' ? '' : `window=${variant.window}`;
}

/** A live-window league: its live games are its games; none of them starts later. */
function liveLeague(league: League): League {
  return { ...league, game_count: league.live_game_count, next_start: null };
}

/**
 * The sidebar of a variant, derived from the full sidebar of the same version (pure: the full
 * one is not changed). Order is kept: the variant lists a subset in the full sidebar's order.
 * window=live keeps the sports and leagues with live games, with the live counts as their
 * counts. A sport whose list was cut at 100 leagues (truncated) keeps its flag: its counts are
 * the sport's own, its list the live ones among those listed.
 */
export function deriveSidebar(full: Sidebar, variant: Variant): Sidebar {
  if (variant.window === 'all') return full;
  const sports: Sport[] = [];
  for (const sport of full.sports) {
    if (sport.live_game_count === 0) continue;
    const leagues = sport.leagues.filter((league) => league.live_game_count > 0).map(liveLeague);
    sports.push({ ...sport, game_count: sport.live_game_count, leagues });
  }
  const games = sports.reduce((n, s) => n + s.game_count, 0);
  return {
    ...full,
    sports,
    totals: { sports: sports.length, leagues: sports.reduce((n, s) => n + s.leagues.length, 0), game_count: games, live_game_count: games },
  };
}

interface Built {
  /** The full sidebar's bytes this variant was derived from: a variant of an older version is never served. */
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
export function createVariantStore(options: { max: number; build: (full: Snapshot, variant: Variant, key: string) => Snapshot }) {
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
    /** The variant's bytes for this full snapshot, built now if they are not yet; remembers `url` for the hot path. */
    get(full: Snapshot, variant: Variant, url?: string): Snapshot {
      const key = variantKey(variant);
      let built = byKey.get(key);
      if (built?.full !== full) {
        built = { full, snapshot: options.build(full, variant, key), used: 0 };
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
